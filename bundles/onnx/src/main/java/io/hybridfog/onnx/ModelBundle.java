package io.hybridfog.onnx;

import java.util.Optional;

/**
 * The loaded partitions of one model bundle. Closing it closes both partitions (waiting for runs in flight).
 * Create with {@link ModelBundleLoader}.
 */
public final class ModelBundle implements AutoCloseable {
    private final ModelBundleHeaders headers;
    private final OnnxEdgePartition edge;
    private final OnnxCloudPartition cloud;

    ModelBundle(ModelBundleHeaders headers, OnnxEdgePartition edge, OnnxCloudPartition cloud) {
        this.headers = headers;
        this.edge = edge;
        this.cloud = cloud;
    }

    public ModelBundleHeaders headers() {
        return headers;
    }

    /** {@code model:version}. */
    public String id() {
        return headers.id();
    }

    /** Empty if the bundle carries no edge partition. */
    public Optional<OnnxEdgePartition> edge() {
        return Optional.ofNullable(edge);
    }

    /** Empty if the bundle carries no cloud partition. */
    public Optional<OnnxCloudPartition> cloud() {
        return Optional.ofNullable(cloud);
    }

    /** Closes both partitions. Idempotent. */
    @Override
    public void close() {
        if (edge != null) {
            edge.close();
        }
        if (cloud != null) {
            cloud.close();
        }
    }
}
