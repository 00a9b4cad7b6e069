package io.hybridfog.metrics.internal;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.cloud.CloudWorkerMetrics;
import java.util.ArrayList;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The cloud workers' metrics, read from each {@link CloudWorkerMetrics} service at scrape time (one worker per
 * process in the distributions; several are summed by Prometheus' own aggregation, each being a series of its own
 * only through the scrape target). Active while the metrics endpoint is enabled and a cloud worker runs (never in the
 * gateway distribution, which lacks the cloud bundle: its package is imported optionally).
 */
@Component(immediate = true, service = {})
public final class CloudCollectorComponent {

    @Reference(name = "endpoint")
    private MetricsEndpoint endpoint;

    @Reference(name = "workers", cardinality = ReferenceCardinality.AT_LEAST_ONE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<CloudWorkerMetrics> workers;

    private Callbacks<CloudWorkerMetrics, CloudWorkerMetrics.Snapshot> metrics;

    @Activate
    void activate() {
        metrics = register(endpoint, () -> workers);
    }

    /** Adds the cloud worker metrics to {@code endpoint}'s registry; close the result to remove them. */
    static Callbacks<CloudWorkerMetrics, CloudWorkerMetrics.Snapshot> register(MetricsEndpoint endpoint,
            java.util.function.Supplier<? extends java.util.Collection<? extends CloudWorkerMetrics>> workers) {
        Callbacks<CloudWorkerMetrics, CloudWorkerMetrics.Snapshot> m = new Callbacks<>(endpoint.registry(), workers,
                CloudWorkerMetrics::snapshot, new String[0], w -> new String[0]);
        m.counter("hybridfog_cloud_requests", "Offload requests received", CloudWorkerMetrics.Snapshot::requests);
        m.counter("hybridfog_cloud_answered", "Offload requests answered with logits",
                CloudWorkerMetrics.Snapshot::answered);
        m.counterBy("hybridfog_cloud_errors", "Offload requests answered with an error reply, by error code", "code",
                s -> {
                    List<Callbacks.Labelled> l = new ArrayList<>();
                    for (ErrorCode c : ErrorCode.values()) {
                        l.add(new Callbacks.Labelled(c.name(), s.errors().getOrDefault(c, 0L)));
                    }
                    return l;
                });
        m.counter("hybridfog_cloud_dropped", "Offload requests without a response topic (nobody to answer)",
                CloudWorkerMetrics.Snapshot::dropped);
        m.counter("hybridfog_cloud_publish_failures", "Replies that could not be published",
                CloudWorkerMetrics.Snapshot::publishFailures);
        m.gauge("hybridfog_cloud_queued_requests", "Offload requests waiting for a worker now", null,
                CloudWorkerMetrics.Snapshot::queued);
        return m;
    }

    @Deactivate
    void deactivate() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
