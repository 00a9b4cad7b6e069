package io.hybridfog.api;

/**
 * The intermediate features the edge partition produces and the cloud partition consumes.
 *
 * @param name   ONNX input name of the cloud partition
 * @param shape  per-sample shape (batch dimension excluded)
 * @param binary true if every value is exactly -1 or +1, so the features can be bit-packed (1 bit per element)
 */
public record FeatureSpec(String name, long[] shape, boolean binary) {

    /** Elements per sample. */
    public int size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }
}
