package io.hybridfog.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * An {@link EdgePartition} on an ONNX Runtime session. Thread-safe; {@link #close()} waits for runs in flight.
 * Create with {@link OnnxPartitions#loadEdge}.
 */
public final class OnnxEdgePartition implements EdgePartition, AutoCloseable {
    private final OrtEnvironment environment;
    private final ModelDescriptor descriptor;
    private final GuardedSession session;
    private final String description;

    OnnxEdgePartition(OrtEnvironment environment, OrtSession session, ModelDescriptor descriptor) {
        this.environment = environment;
        this.descriptor = descriptor;
        this.description = "edge partition " + descriptor.id();
        this.session = new GuardedSession(session, description);
    }

    @Override
    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /**
     * @param input float32 [N, C, H, W] with C, H, W = {@code descriptor().input().shape()}, normalized as
     *              {@link io.hybridfog.api.InputSpec} says; N &gt;= 1
     * @return exit logits float32 [N, classes] and features float32 [N, {@code descriptor().features().shape()}...]
     * @throws HybridFogException {@link ErrorCode#WRONG_SHAPE} if the input shape is not [N, C, H, W],
     *                            {@link ErrorCode#UNKNOWN_MODEL} after {@link #close()},
     *                            {@link ErrorCode#INTERNAL} if ONNX Runtime fails
     */
    @Override
    public EdgeOutput run(Tensor input) throws HybridFogException {
        String inputName = descriptor.input().name();
        int batch = Shapes.batchSize(input, descriptor.input().shape(), description + " input '" + inputName + "'");
        return session.run(s -> {
            try (OnnxTensor x = OnnxTensor.createTensor(environment, FloatBuffer.wrap(input.data()), input.shape());
                 OrtSession.Result result = s.run(Map.of(inputName, x))) {
                Tensor exitLogits = Shapes.copyOutput(result, descriptor.exitOutput(), batch,
                        new long[] {descriptor.numClasses()}, description);
                Tensor features = Shapes.copyOutput(result, descriptor.featuresOutput(), batch,
                        descriptor.features().shape(), description);
                return new EdgeOutput(exitLogits, features);
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
