package io.hybridfog.onnx;

/** Which half of a hybrid model an ONNX file holds; {@link #key()} is how headers and metadata name it. */
public enum PartitionKind {
    EDGE("edge"),
    CLOUD("cloud");

    private final String key;

    PartitionKind(String key) {
        this.key = key;
    }

    /** {@code edge} or {@code cloud}, as in the {@code HybridFog-Partitions} header and the metadata's {@code partition}. */
    public String key() {
        return key;
    }

    /** @throws ModelLoadException if {@code key} is neither {@code edge} nor {@code cloud} */
    public static PartitionKind fromKey(String key) throws ModelLoadException {
        for (PartitionKind kind : values()) {
            if (kind.key.equals(key)) {
                return kind;
            }
        }
        throw new ModelLoadException("unknown partition '" + key + "' (expected edge or cloud)");
    }

    @Override
    public String toString() {
        return key;
    }
}
