package io.hybridfog.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.HybridFogException;
import io.hybridfog.api.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Optional;

/** Batch-shape checks of inputs and the copy of float outputs into api tensors. */
final class Shapes {
    private Shapes() {
    }

    /**
     * @param sampleShape the expected shape without the batch dimension
     * @return N, the batch size of a tensor of shape [N, sampleShape...]
     * @throws HybridFogException {@link ErrorCode#WRONG_SHAPE} naming {@code what} and both shapes otherwise
     */
    static int batchSize(Tensor tensor, long[] sampleShape, String what) throws HybridFogException {
        long[] shape = tensor.shape();
        boolean matches = shape.length == sampleShape.length + 1
                && Arrays.equals(shape, 1, shape.length, sampleShape, 0, sampleShape.length);
        if (!matches) {
            throw new HybridFogException(ErrorCode.WRONG_SHAPE,
                    what + " expects shape " + withBatch("N", sampleShape) + ", got " + Arrays.toString(shape));
        }
        return Math.toIntExact(shape[0]);
    }

    /** [N, d1, d2, ...] as text, e.g. {@code [N, 1, 28, 28]}. */
    static String withBatch(String batch, long[] sampleShape) {
        StringBuilder text = new StringBuilder("[").append(batch);
        for (long d : sampleShape) {
            text.append(", ").append(d);
        }
        return text.append(']').toString();
    }

    static long[] prepend(long batch, long[] sampleShape) {
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }

    /**
     * Copies output {@code name} of {@code result}, a float32 tensor of shape [batch, sampleShape...], into a new
     * api tensor that stays valid after the result is closed.
     *
     * @throws HybridFogException {@link ErrorCode#INTERNAL} if the output is missing or has another type or shape
     */
    static Tensor copyOutput(OrtSession.Result result, String name, long batch, long[] sampleShape, String owner)
            throws OrtException, HybridFogException {
        Optional<OnnxValue> value = result.get(name);
        if (value.isEmpty() || !(value.get() instanceof OnnxTensor tensor)) {
            throw new HybridFogException(ErrorCode.INTERNAL, owner + " produced no tensor output '" + name + "'");
        }
        TensorInfo info = tensor.getInfo();
        long[] expected = prepend(batch, sampleShape);
        if (info.type != OnnxJavaType.FLOAT || !Arrays.equals(info.getShape(), expected)) {
            throw new HybridFogException(ErrorCode.INTERNAL, owner + " output '" + name + "' is " + info.type + " "
                    + Arrays.toString(info.getShape()) + ", expected FLOAT " + Arrays.toString(expected));
        }
        return new Tensor(expected, toArray(tensor.getFloatBuffer()));
    }

    /** getFloatBuffer() already copies into a heap buffer: take its array instead of copying again. */
    private static float[] toArray(FloatBuffer buffer) {
        if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0
                && buffer.array().length == buffer.remaining()) {
            return buffer.array();
        }
        float[] data = new float[buffer.remaining()];
        buffer.get(data);
        return data;
    }
}
