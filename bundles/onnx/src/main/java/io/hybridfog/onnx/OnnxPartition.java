package io.hybridfog.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;
import java.nio.FloatBuffer;
import java.util.Map;

/** What edge and cloud partitions share: one guarded ONNX session with a single float32 input. */
abstract class OnnxPartition implements AutoCloseable {
    private final OrtEnvironment environment;
    private final ModelDescriptor descriptor;
    private final GuardedSession session;
    private final String description;

    /** Maps the session's result for a batch of {@code batch} samples to the partition's output. */
    interface OutputMapping<O> {
        O map(OrtSession.Result result, int batch) throws HybridFogException, OrtException;
    }

    OnnxPartition(OrtEnvironment environment, OrtSession session, ModelDescriptor descriptor, String kind) {
        this.environment = environment;
        this.descriptor = descriptor;
        this.description = kind + " partition " + descriptor.id();
        this.session = new GuardedSession(session, description);
    }

    public ModelDescriptor descriptor() {
        return descriptor;
    }

    /** Checks the input against [N, sampleShape...], runs the session and maps its outputs. */
    final <O> O runSingleInput(String inputName, long[] sampleShape, Tensor input, OutputMapping<O> outputs)
            throws HybridFogException {
        int batch = Shapes.batchSize(input, sampleShape, description + " input '" + inputName + "'");
        return session.run(s -> {
            try (OnnxTensor x = OnnxTensor.createTensor(environment, FloatBuffer.wrap(input.data()), input.shape());
                 OrtSession.Result result = s.run(Map.of(inputName, x))) {
                return outputs.map(result, batch);
            }
        });
    }

    final Tensor output(OrtSession.Result result, String name, int batch, long[] sampleShape)
            throws HybridFogException, OrtException {
        return Shapes.copyOutput(result, name, batch, sampleShape, description);
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
