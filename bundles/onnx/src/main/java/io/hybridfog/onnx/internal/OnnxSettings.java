package io.hybridfog.onnx.internal;

import java.util.Map;

/**
 * Validated settings of configuration PID {@code io.hybridfog.onnx}.
 *
 * @param intraOpThreads threads inside one operator, 1 to {@value #MAX_INTRA_OP_THREADS}
 */
record OnnxSettings(int intraOpThreads) {
    static final String INTRA_OP_THREADS = "intra.op.threads";
    static final int DEFAULT_INTRA_OP_THREADS = 1;
    static final int MAX_INTRA_OP_THREADS = 1024;

    /**
     * @param properties component properties (configuration values arrive as Integer, Long or String)
     * @throws IllegalArgumentException naming the key and the value if a value is invalid
     */
    static OnnxSettings from(Map<String, ?> properties) {
        Object value = properties.get(INTRA_OP_THREADS);
        if (value == null) {
            return new OnnxSettings(DEFAULT_INTRA_OP_THREADS);
        }
        long threads;
        try {
            threads = value instanceof Integer || value instanceof Long || value instanceof Short
                    ? ((Number) value).longValue()
                    : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            threads = -1;
        }
        if (threads < 1 || threads > MAX_INTRA_OP_THREADS) {
            throw new IllegalArgumentException("configuration io.hybridfog.onnx: " + INTRA_OP_THREADS
                    + " must be an integer from 1 to " + MAX_INTRA_OP_THREADS + ", got '" + value + "'");
        }
        return new OnnxSettings((int) threads);
    }
}
