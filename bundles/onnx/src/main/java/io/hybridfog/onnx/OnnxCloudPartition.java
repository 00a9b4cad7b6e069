package io.hybridfog.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * A {@link CloudPartition} on an ONNX Runtime session. Thread-safe; {@link #close()} waits for runs in flight.
 * Create with {@link OnnxPartitions#loadCloud}.
 */
public final class OnnxCloudPartition implements CloudPartition, AutoCloseable {
    private final OrtEnvironment environment;
    private final ModelDescriptor descriptor;
    private final GuardedSession session;
    private final String description;

    OnnxCloudPartition(OrtEnvironment environment, OrtSession session, ModelDescriptor descriptor) {
        this.environment = environment;
        this.descriptor = descriptor;
        this.description = "cloud partition " + descriptor.id();
        this.session = new GuardedSession(session, description);
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
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
        String inputName = descriptor.features().name();
        int batch = Shapes.batchSize(features, descriptor.features().shape(), description + " input '" + inputName + "'");
        return session.run(s -> {
            try (OnnxTensor x = OnnxTensor.createTensor(environment, FloatBuffer.wrap(features.data()), features.shape());
                 OrtSession.Result result = s.run(Map.of(inputName, x))) {
                return Shapes.copyOutput(result, descriptor.cloudOutput(), batch,
                        new long[] {descriptor.numClasses()}, description);
            }
        });
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return session.isClosed();
    }

    /** Waits for runs in flight, then frees the ONNX session; later runs fail with UNKNOWN_MODEL. Idempotent. */
    @Override
    public void close() {
        session.close();
    }

    @Override
    public String toString() {
        return description;
    }
}
