/**
 * Model lifecycle on one node: which versions of each model are installed, which one the edge serves, and the
 * operator's controls (activate a version, roll back, follow the newest). This package holds no implementation.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.hybridfog.api.models;
