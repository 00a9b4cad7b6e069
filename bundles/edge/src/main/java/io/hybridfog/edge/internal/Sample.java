package io.hybridfog.edge.internal;

import io.hybridfog.api.transport.BusMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One sample as received.
 *
 * @param message         the device's message
 * @param deviceId        last level of the topic
 * @param sampleId        correlation data as UTF-8; null if absent, empty or not UTF-8
 * @param correlationData the raw correlation data, echoed on the result (null if absent)
 * @param receivedNanos   {@link System#nanoTime()} when the gateway received it
 * @param key             the journal key ({@link ResultJournal}): device id and sample id; for a sample without id a
 *                        key of its own (it cannot be recognized when redelivered)
 */
record Sample(BusMessage message, String deviceId, String sampleId, byte[] correlationData, long receivedNanos, String key) {
    private static final AtomicLong WITHOUT_ID = new AtomicLong();

    static Sample of(BusMessage m, long receivedNanos) {
        String deviceId = Topics.lastLevel(m.topic());
        String sampleId = utf8(m.correlationData());
        String key = sampleId != null ? deviceId + '\u0000' + sampleId
                : "\u0001" + deviceId + '\u0000' + receivedNanos + '-' + WITHOUT_ID.incrementAndGet();
        return new Sample(m, deviceId, sampleId, m.correlationData(), receivedNanos, key);
    }

    /** A sample the last run took and did not answer, from the journal. */
    static Sample unanswered(ResultJournal.Unanswered u, long receivedNanos) {
        Sample s = of(u.sample(), receivedNanos);
        return new Sample(s.message(), s.deviceId(), s.sampleId(), s.correlationData(), receivedNanos, u.key());
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
