package io.hybridfog.edge.internal;

import io.hybridfog.api.transport.Acknowledgement;
import io.hybridfog.api.transport.BusMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One sample as received.
 *
 * @param message         the device's message
 * @param deviceId        last level of the topic
 * @param sampleId        correlation data as UTF-8; null if absent, empty or not UTF-8
 * @param correlationData the raw correlation data, echoed on the result (null if absent)
 * @param receivedNanos   {@link System#nanoTime()} when the gateway received it
 * @param ack             acknowledges the sample to the broker; called once its result is journaled
 */
record Sample(BusMessage message, String deviceId, String sampleId, byte[] correlationData, long receivedNanos,
              Acknowledgement ack) {

    static Sample of(BusMessage m, Acknowledgement ack, long receivedNanos) {
        return new Sample(m, Topics.lastLevel(m.topic()), utf8(m.correlationData()), m.correlationData(), receivedNanos, ack);
    }

    /** The journal key: device id and sample id; null without a sample id. */
    String key() {
        return sampleId == null ? null : deviceId + '\u0000' + sampleId;
    }

    /** Milliseconds since the gateway received the sample. */
    double elapsedMs() {
        return (System.nanoTime() - receivedNanos) / 1e6;
    }

    private static String utf8(byte[] b) {
        if (b == null || b.length == 0) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
