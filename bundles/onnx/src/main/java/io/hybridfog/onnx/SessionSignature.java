package io.hybridfog.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.hybridfog.api.ModelDescriptor;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Checks that an ONNX session has the inputs and outputs its metadata promises: names, float32 type, a dynamic
 * batch dimension and the per-sample shapes. Catches a wrong file or a stale export when the model is loaded,
 * not at the first sample.
 */
final class SessionSignature {
    private SessionSignature() {
    }

    static void check(OrtSession session, PartitionKind kind, ModelDescriptor d) throws ModelLoadException {
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            long[] classes = {d.numClasses()};
            if (kind == PartitionKind.EDGE) {
                requireSingleInput(inputs, d.input().name());
                requireFloat(inputs, "input", d.input().name(), d.input().shape());
                requireFloat(outputs, "output", d.exitOutput(), classes);
                requireFloat(outputs, "output", d.featuresOutput(), d.features().shape());
            } else {
                requireSingleInput(inputs, d.features().name());
                requireFloat(inputs, "input", d.features().name(), d.features().shape());
                requireFloat(outputs, "output", d.cloudOutput(), classes);
            }
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX Runtime cannot describe the session: " + e.getMessage(), e);
        }
    }

    private static void requireSingleInput(Map<String, NodeInfo> inputs, String name) throws ModelLoadException {
        if (!inputs.keySet().equals(Set.of(name))) {
            throw new ModelLoadException("the ONNX graph must have exactly one input '" + name + "', it has "
                    + inputs.keySet());
        }
    }

    private static void requireFloat(Map<String, NodeInfo> nodes, String role, String name, long[] sampleShape)
            throws ModelLoadException {
        NodeInfo node = nodes.get(name);
        if (node == null) {
            throw new ModelLoadException("the ONNX graph has no " + role + " '" + name + "' (its " + role + "s: "
                    + nodes.keySet() + ")");
        }
        if (!(node.getInfo() instanceof TensorInfo info) || info.type != OnnxJavaType.FLOAT) {
            throw new ModelLoadException("ONNX " + role + " '" + name + "' is " + node.getInfo() + ", expected a float32 tensor");
        }
        long[] shape = info.getShape();
        // ONNX Runtime reports a symbolic (dynamic) dimension as -1.
        long[] expected = Shapes.prepend(-1, sampleShape);
        if (!Arrays.equals(shape, expected)) {
            throw new ModelLoadException("ONNX " + role + " '" + name + "' has shape " + Arrays.toString(shape)
                    + ", the metadata says " + Shapes.withBatch("batch", sampleShape)
                    + " with a dynamic batch dimension (-1)");
        }
    }
}
