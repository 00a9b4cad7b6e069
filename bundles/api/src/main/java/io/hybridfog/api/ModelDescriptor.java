package io.hybridfog.api;

import java.util.List;

/**
 * What the runtime knows about one version of a hybrid model; read from the JSON document
 * stored under the {@code hybridfog} key of each partition's ONNX {@code metadata_props}
 * (format: docs/model-format.md).
 *
 * @param name           model name, e.g. {@code fashion-mnist-hybrid}
 * @param version        model version (edge and cloud partitions are versioned together)
 * @param labels         class labels, index = class id
 * @param input          edge input tensor and its normalization
 * @param features       the edge partition's intermediate features sent to the cloud on offload
 * @param exitOutput     name of the edge output holding the early-exit logits, float32 [N, classes]
 * @param featuresOutput name of the edge output holding the features
 * @param cloudOutput    name of the cloud output holding the final logits, float32 [N, classes]
 * @param macs           multiply-accumulate counts per bit-width
 * @param exitPolicy     the exit policy and threshold calibrated at training time
 */
public record ModelDescriptor(String name, String version, List<String> labels, InputSpec input, FeatureSpec features,
                              String exitOutput, String featuresOutput, String cloudOutput, MacCounts macs,
                              ExitPolicySettings exitPolicy) {

    public int numClasses() {
        return labels.size();
    }

    /** {@code name:version}, how logs and results name a model version. */
    public String id() {
        return name + ":" + version;
    }
}
