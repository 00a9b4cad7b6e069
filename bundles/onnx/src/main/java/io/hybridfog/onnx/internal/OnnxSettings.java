package io.hybridfog.onnx.internal;

import io.hybridfog.config.ComponentConfig;
import io.hybridfog.config.SettingException;
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
     * Reads the settings through {@link OnnxRuntimeConfig} (keys and defaults).
     *
     * @param properties component properties (configuration values arrive as Integer, Long or String)
     * @throws SettingException naming the key and the allowed range if a value is invalid
     */
    static OnnxSettings from(Map<String, ?> properties) {
        OnnxRuntimeConfig c = ComponentConfig.read(OnnxRuntimeConfig.class, properties);
        SettingException.requireRange(INTRA_OP_THREADS, c.intra_op_threads(), 1, MAX_INTRA_OP_THREADS);
        SettingException.requireRange(WARMUP_RUNS, c.warmup_runs(), 0, MAX_WARMUP_RUNS);
        return new OnnxSettings(c.intra_op_threads(), c.warmup_runs());
    }
}
