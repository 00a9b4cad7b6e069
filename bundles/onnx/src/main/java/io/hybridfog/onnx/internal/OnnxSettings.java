package io.hybridfog.onnx.internal;

import java.util.Map;

/**
 * Validated settings of configuration PID {@code io.hybridfog.onnx}.
 *
 * @param intraOpThreads threads inside one operator, 1 to {@value #MAX_INTRA_OP_THREADS}
 * @param warmupRuns     inferences run on each partition of a new model version before it serves, 0 to
 *                       {@value #MAX_WARMUP_RUNS}
 */
record OnnxSettings(int intraOpThreads, int warmupRuns) {
    static final String INTRA_OP_THREADS = "intra.op.threads";
    static final String WARMUP_RUNS = "warmup.runs";
    static final int DEFAULT_INTRA_OP_THREADS = 1;
    static final int MAX_INTRA_OP_THREADS = 1024;
    static final int DEFAULT_WARMUP_RUNS = 3;
    static final int MAX_WARMUP_RUNS = 1000;

    /**
     * @param properties component properties (configuration values arrive as Integer, Long or String)
     * @throws IllegalArgumentException naming the key and the value if a value is invalid
     */
    static OnnxSettings from(Map<String, ?> properties) {
        return new OnnxSettings(intSetting(properties, INTRA_OP_THREADS, DEFAULT_INTRA_OP_THREADS, 1, MAX_INTRA_OP_THREADS),
                intSetting(properties, WARMUP_RUNS, DEFAULT_WARMUP_RUNS, 0, MAX_WARMUP_RUNS));
    }

    private static int intSetting(Map<String, ?> properties, String key, int fallback, int min, int max) {
        Object value = properties.get(key);
        if (value == null) {
            return fallback;
        }
        long n;
        try {
            n = value instanceof Integer || value instanceof Long || value instanceof Short
                    ? ((Number) value).longValue()
                    : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            n = Long.MIN_VALUE;
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("configuration io.hybridfog.onnx: " + key
                    + " must be an integer from " + min + " to " + max + ", got '" + value + "'");
        }
        return (int) n;
    }
}
