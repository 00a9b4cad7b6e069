package io.hybridfog.demo.dse;

/**
 * What one variant's network produced for every test sample, computed once and reused for every threshold.
 *
 * @param labels           true class per sample
 * @param exitLogits       early-exit logits per sample, float32 [samples][classes]
 * @param cloudPredictions class the cloud partition predicts per sample (as if every sample were offloaded)
 */
public record VariantOutputs(int[] labels, float[][] exitLogits, int[] cloudPredictions) {

    public VariantOutputs {
        if (labels.length != exitLogits.length || labels.length != cloudPredictions.length) {
            throw new IllegalArgumentException("labels, exit logits and cloud predictions must cover the same samples: "
                    + labels.length + " / " + exitLogits.length + " / " + cloudPredictions.length);
        }
    }

    int size() {
        return labels.length;
    }
}
