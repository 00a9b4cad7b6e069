package io.hybridfog.onnx.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.api.models.ModelVersionStatus.State;
import io.hybridfog.config.ModelVersions;
import io.hybridfog.onnx.ModelBundleHeaders;
import io.hybridfog.onnx.OnnxEdgePartition;
import io.hybridfog.onnx.PartitionKind;
import java.util.Comparator;
import java.util.List;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/** One model bundle and what of it is loaded and registered; confined to the {@link InventoryThread}. */
final class InstalledVersion {
    /** By model, newest version first, then by bundle id: the order of {@code hybridfog:models}. */
    static final Comparator<InstalledVersion> NEWEST_FIRST = Comparator.comparing(InstalledVersion::model)
            .thenComparing(InstalledVersion::version, ModelVersions.ORDER.reversed())
            .thenComparing(e -> e.bundle.getBundleId());

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

    /** @param pinned whether the operator pinned the model to this version */
    ModelVersionStatus status(boolean pinned) {
        State state = !valid() ? State.REJECTED : active() || (!carries(PartitionKind.EDGE) && cloudService != null)
                ? State.ACTIVE : State.STANDBY;
        List<String> kinds = headers.partitions().keySet().stream().map(PartitionKind::toString).toList();
        return new ModelVersionStatus(model(), version(), state, valid() && pinned, bundle.getBundleId(),
                String.valueOf(bundle.getLocation()), kinds, detail);
    }
}
