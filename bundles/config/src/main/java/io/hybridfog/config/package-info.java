/**
 * Typed reading of ConfigAdmin dictionaries ({@link io.hybridfog.config.ConfigValues}) and the error that names
 * the offending key ({@link io.hybridfog.config.SettingException}), and the order of model versions
 * ({@link io.hybridfog.config.ModelVersions}). Shared by the configurable bundles.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package io.hybridfog.config;
