package io.hybridfog.onnx.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of PID {@code io.hybridfog.onnx}; validated by {@link OnnxSettings}. */
@ObjectClassDefinition(name = "HybridFog ONNX Runtime",
        description = "Session settings for every model partition. A change reloads all model bundles.")
public @interface OnnxRuntimeConfig {

    @AttributeDefinition(name = "Intra-op threads", min = "1",
            description = "Threads ONNX Runtime uses inside one operator of one inference (intra.op.threads). "
                    + "1 runs each inference on the calling thread; parallel requests still run in parallel.")
    int intra_op_threads() default OnnxSettings.DEFAULT_INTRA_OP_THREADS;

    @AttributeDefinition(name = "Warm-up runs", min = "0",
            description = "Inferences run on each partition of a new model version, after its smoke inference and "
                    + "before it serves (warmup.runs)")
    int warmup_runs() default OnnxSettings.DEFAULT_WARMUP_RUNS;

    @AttributeDefinition(name = "Update grace (ms)", min = "0", max = "600000",
            description = "How long the active version of a model keeps serving after its bundle stops when no other "
                    + "version can take over, waiting for the bundle's update (update.grace.ms)")
    long update_grace_ms() default ModelBundleExtender.DEFAULT_UPDATE_GRACE_MS;
}
