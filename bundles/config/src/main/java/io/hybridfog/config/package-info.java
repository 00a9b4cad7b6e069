/**
 * Strict reading of ConfigAdmin dictionaries through component property types
 * ({@link io.hybridfog.config.ComponentConfig}), the error that names the offending key
 * ({@link io.hybridfog.config.SettingException}), the framework properties the bundles read
 * ({@link io.hybridfog.config.FrameworkProperties}) and the order of model versions
 * ({@link io.hybridfog.config.ModelVersions}). Shared by the configurable bundles.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package io.hybridfog.config;
