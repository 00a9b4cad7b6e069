package io.hybridfog.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.hybridfog.api.EdgeOutput;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.api.Tensor;

/**
 * An {@link EdgePartition} on an ONNX Runtime session. Thread-safe; {@link #close()} waits for runs in flight.
 * Create with {@link OnnxPartitions#loadEdge}.
 */
public final class OnnxEdgePartition extends OnnxPartition implements EdgePartition {

    OnnxEdgePartition(OrtEnvironment environment, OrtSession session, ModelDescriptor descriptor) {
        super(environment, session, descriptor, "edge");
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
        ModelDescriptor d = descriptor();
        return runSingleInput(d.input().name(), d.input().shape(), input, (result, batch) -> new EdgeOutput(
                output(result, d.exitOutput(), batch, new long[] {d.numClasses()}),
                output(result, d.featuresOutput(), batch, d.features().shape())));
    }
}
