/** Paho MQTT v5 implementation of {@link io.hybridfog.api.transport.MessageBus}; not exported. */
package io.hybridfog.mqtt.internal;
