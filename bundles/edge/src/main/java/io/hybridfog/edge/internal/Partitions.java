package io.hybridfog.edge.internal;

import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.ModelDescriptor;
import io.hybridfog.config.ModelVersions;
import java.util.Collection;
import java.util.Comparator;
import java.util.stream.Collectors;

/** Chooses among the installed edge partitions. */
final class Partitions {
    private Partitions() {
    }

    /** The partition of model {@code name} with the highest version, or null if none is installed. */
    static EdgePartition newest(Collection<? extends EdgePartition> partitions, String name) {
        EdgePartition best = null;
        for (EdgePartition p : partitions) {
            ModelDescriptor d = p.descriptor();
            if (d.name().equals(name) && (best == null || ModelVersions.compare(d.version(), best.descriptor().version()) > 0)) {
                best = p;
            }
        }
        return best;
    }

    /** {@code [name:version, ...]} of the installed partitions, for error messages. */
    static String installed(Collection<? extends EdgePartition> partitions) {
        return partitions.stream().map(p -> p.descriptor().id()).sorted(Comparator.naturalOrder())
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
