package io.hybridfog.onnx.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.PartitionKind;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/** One model bundle and what of it is loaded and registered; confined to the {@link InventoryThread}. */
final class InstalledVersion {
    final Bundle bundle;
    final ModelBundleHeaders headers;
    String rejection; // null while valid
    String detail = "";
    CloudPartition cloud;
    AutoCloseable cloudSession;
    ServiceRegistration<?> cloudService;
    OnnxEdgePartition edge; // loaded: while active, or between validation and the activation decision
    ServiceRegistration<?> edgeService; // non-null while active
    boolean replacementRejected; // orphans only: a bundle of this model came back and was rejected

    InstalledVersion(Bundle bundle, ModelBundleHeaders headers) {
        this.bundle = bundle;
        this.headers = headers;
    }

    String model() {
        return headers.model();
    }

    String version() {
        return headers.version();
    }

    boolean valid() {
        return rejection == null;
    }

    boolean carries(PartitionKind kind) {
        return headers.partitions().containsKey(kind);
    }

    boolean active() {
        return edgeService != null;
    }

    ActiveVersionChoice.Candidate candidate() {
        return new ActiveVersionChoice.Candidate(model(), version(), carries(PartitionKind.EDGE), !valid());
    }
}
