/**
 * MQTT 5 {@link io.hybridfog.api.transport.MessageBus} over Eclipse Paho for plain-Java use (tests, tools,
 * simulated devices): {@code new PahoMessageBus(MqttBusSettings.of(url, clientId)).start()}. In OSGi, configure
 * PID {@code io.hybridfog.mqtt} instead; the bus is then registered as a service.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package io.hybridfog.mqtt;
