package io.hybridfog.mqtt.internal;

import io.hybridfog.api.transport.BusMessage;
import io.hybridfog.api.transport.PacketTooLargeException;
import io.hybridfog.api.transport.PublishRefusedException;
import io.hybridfog.mqtt.MqttBusSettings;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;

/**
 * QoS 1 publishing: checks a message (topic, the broker's Maximum Packet Size), queues it in a {@link PublishPipeline}
 * (bounded queue, in-flight window, retry on 32202) and hands it to Paho; a PUBACK with a reason code &ge; 0x80 fails
 * the message, a connection loss queues it again. Thread-safe.
 */
final class Publisher {
    /** Paho reason codes of publishes that failed because the connection went away, not because of the message. */
    private static final Set<Integer> CONNECTION_GONE = Set.of(
            (int) MqttClientException.REASON_CODE_CONNECTION_LOST, (int) MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED,
            (int) MqttClientException.REASON_CODE_CLIENT_DISCONNECTING, (int) MqttClientException.REASON_CODE_CLIENT_TIMEOUT);

    private final BrokerConnection connection;
    private final PublishPipeline pipeline;
    private final MqttActionListener listener = new PubAckListener();

    Publisher(BrokerConnection connection, MqttBusSettings settings, ExecutorService completions,
              ScheduledExecutorService timer) {
        this.connection = connection;
        this.pipeline = new PublishPipeline(this::send, settings.publishQueueCapacity(), settings.maxInflight(),
                TimeUnit.SECONDS.toMillis(settings.publishWaitS()), settings.brokerUrl(), completions, timer);
    }

    /** See {@link PahoMessageBus#publish} for how the future fails. */
    CompletableFuture<Void> publish(BusMessage message) {
        try {
            TopicFilters.validateTopicName(message.topic());
            Long maximum = connection.serverMaximumPacketSize();
            if (maximum != null) {
                long size = MessageMapping.packetSize(message.topic(), MessageMapping.toPaho(message));
                if (size > maximum) {
                    // Paho would write it and the broker would close the connection: refuse it here instead
                    return CompletableFuture.failedFuture(new PacketTooLargeException(message.topic(), size, maximum));
                }
            }
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return pipeline.submit(message);
    }

    /** Opens the window (min of max.inflight and the broker's Receive Maximum) and sends what waited. */
    void connected(Integer serverReceiveMaximum) {
        pipeline.connected(serverReceiveMaximum);
    }

    void disconnected() {
        pipeline.disconnected();
    }

    /** Fails every waiting publish. */
    void close() {
        pipeline.close();
    }

    int window() {
        return pipeline.window();
    }

    String state() {
        return "queued " + pipeline.queued() + ", in flight " + pipeline.inFlight() + " of " + pipeline.window();
    }

    private void send(PublishPipeline.Pending p) throws PublishPipeline.SendRefused, IOException {
        BusMessage m = p.message();
        try {
            connection.client().publish(m.topic(), MessageMapping.toPaho(m), p, listener);
        } catch (MqttException e) {
            int code = e.getReasonCode();
            if (code == MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                throw new PublishPipeline.SendRefused(true, e.getMessage());
            }
            if (code == MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED
                    || code == MqttClientException.REASON_CODE_CLIENT_DISCONNECTING
                    || code == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS) {
                throw new PublishPipeline.SendRefused(false, e.getMessage());
            }
            throw new IOException("publish to " + m.topic() + " refused: " + e.getMessage() + " (" + code + ")", e);
        }
    }

    private final class PubAckListener implements MqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            PublishPipeline.Pending p = (PublishPipeline.Pending) token.getUserContext();
            int[] codes = token.getReasonCodes();
            if (codes != null) {
                for (int c : codes) {
                    if (c >= 0x80) {
                        pipeline.failed(p, new PublishRefusedException(p.message().topic(), c));
                        return;
                    }
                }
            }
            pipeline.acked(p);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable e) {
            PublishPipeline.Pending p = (PublishPipeline.Pending) token.getUserContext();
            if (e instanceof MqttException m && CONNECTION_GONE.contains(m.getReasonCode()) && !connection.isClosed()) {
                // Paho 1.2.5 fails the publishes in flight when the connection drops (it does not resend them
                // after the reconnect): send them again (at least once; the broker may have had some already)
                pipeline.requeue(p);
                return;
            }
            pipeline.failed(p, new IOException("publish to " + p.message().topic() + " failed: " + e.getMessage(), e));
        }
    }
}
