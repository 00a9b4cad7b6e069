/** Message transport between devices, gateways and cloud workers (MQTT 5 semantics). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.hybridfog.api.transport;
