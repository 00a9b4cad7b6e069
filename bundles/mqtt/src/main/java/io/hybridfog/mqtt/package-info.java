/**
 * MQTT 5 connections of one's own: {@code MqttClientBus.start(MqttBusSettings.of(url, clientId))} returns a
 * connecting {@link io.hybridfog.api.transport.MessageBus}. In OSGi the runtime's buses come from configuration PID
 * {@code io.hybridfog.mqtt} as services; the implementation (package {@code internal}) is not exported.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package io.hybridfog.mqtt;
