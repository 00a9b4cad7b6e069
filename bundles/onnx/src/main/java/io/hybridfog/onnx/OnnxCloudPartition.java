package io.hybridfog.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;

/**
 * A {@link CloudPartition} on an ONNX Runtime session. Thread-safe; {@link #close()} waits for runs in flight.
 * Create with {@link OnnxPartitions#loadCloud}.
 */
public final class OnnxCloudPartition extends OnnxPartition implements CloudPartition {

    OnnxCloudPartition(OrtEnvironment environment, OrtSession session, ModelDescriptor descriptor) {
        super(environment, session, descriptor, "cloud");
    }

    /**
     * @param features float32 [N, {@code descriptor().features().shape()}...] from the edge partition of the same
     *                 model version; N &gt;= 1
     * @return final logits, float32 [N, classes]
     * @throws HybridFogException {@link ErrorCode#WRONG_SHAPE} on a feature shape mismatch,
     *                            {@link ErrorCode#UNKNOWN_MODEL} after {@link #close()},
     *                            {@link ErrorCode#INTERNAL} if ONNX Runtime fails
     */
    @Override
    public Tensor run(Tensor features) throws HybridFogException {
        ModelDescriptor d = descriptor();
        return runSingleInput(d.features().name(), d.features().shape(), features,
                (result, batch) -> output(result, d.cloudOutput(), batch, new long[] {d.numClasses()}));
    }
}
