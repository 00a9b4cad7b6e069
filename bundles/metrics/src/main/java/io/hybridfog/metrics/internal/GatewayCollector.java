package io.hybridfog.metrics.internal;

import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.metrics.ResultObserver;
import io.hybridfog.edge.GatewayMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The edge gateways' metrics (label {@code gateway} = {@code gateway.id}): counters and gauges read from each
 * {@link GatewayMetrics} service at scrape time; latency and energy histograms fed by {@link #onResult}. Metric
 * names, units and meanings: docs/metrics.md.
 */
final class GatewayCollector implements ResultObserver, AutoCloseable {
    /** Upper bounds of the latency histogram, seconds: sub-millisecond edge answers up to offload timeouts. */
    static final double[] LATENCY_BUCKETS_S = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10, 30};
    /** Upper bounds of the energy histogram, joules (Fashion-MNIST hybrid: about 12 µJ per sample). */
    static final double[] ENERGY_BUCKETS_J = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3,
            1e-2};
    private static final double PJ = 1e-12;

    private final PrometheusRegistry registry;
    private final Callbacks<GatewayMetrics, GatewayMetrics> live;
    private final Callbacks<GatewayMetrics, GatewayMetrics.Snapshot> counts;
    private final Histogram latency;
    private final Histogram energy;
    private final Counter referenceEnergy;

    GatewayCollector(PrometheusRegistry registry, Supplier<? extends Collection<? extends GatewayMetrics>> gateways) {
        this.registry = registry;
        String[] gateway = {"gateway"};
        counts = new Callbacks<>(registry, gateways, GatewayMetrics::snapshot, gateway, g -> new String[] {g.gatewayId()});
        live = new Callbacks<>(registry, gateways, g -> g, gateway, g -> new String[] {g.gatewayId()});
        counts.counter("hybridfog_gateway_samples_received", "Samples received on the samples topic, refused ones "
                + "included, redelivered duplicates not", GatewayMetrics.Snapshot::samples);
        counts.counterBy("hybridfog_gateway_answers", "Samples answered with a classification, by exit point: edge "
                + "(early exit confident), cloud (offloaded, the cloud answered), fallback (offloaded, the cloud did not "
                + "answer in time: the early exit answered)", "exit", s -> List.of(
                new Callbacks.Labelled("edge", s.edgeExits()), new Callbacks.Labelled("cloud", s.cloudResults()),
                new Callbacks.Labelled("fallback", s.fallbacks())));
        counts.counterBy("hybridfog_gateway_errors", "Samples answered with an error result, by error code",
                "code", s -> {
                    List<Callbacks.Labelled> l = new ArrayList<>();
                    for (ErrorCode c : ErrorCode.values()) {
                        l.add(new Callbacks.Labelled(c.name(), s.errors().getOrDefault(c, 0L)));
                    }
                    return l;
                });
        counts.counter("hybridfog_gateway_offloads", "Samples whose features were sent to the cloud",
                GatewayMetrics.Snapshot::offloads);
        counts.counter("hybridfog_gateway_duplicates", "Redelivered samples dropped unanswered (answered once already)",
                GatewayMetrics.Snapshot::duplicates);
        counts.counter("hybridfog_gateway_late_replies", "Cloud replies that came after their sample was answered",
                GatewayMetrics.Snapshot::lateReplies);
        counts.counter("hybridfog_gateway_results_published", "Results the broker acknowledged",
                GatewayMetrics.Snapshot::resultsPublished);
        counts.counter("hybridfog_gateway_publish_failures", "Results or offload requests that could not be published",
                GatewayMetrics.Snapshot::publishFailures);
        counts.counter("hybridfog_gateway_swap_retries", "Samples run a second time because a model swap closed "
                + "their version just before it ran", GatewayMetrics.Snapshot::swapRetries);
        counts.gauge("hybridfog_gateway_queued_samples", "Samples waiting for a worker now", null,
                GatewayMetrics.Snapshot::queued);
        counts.gauge("hybridfog_gateway_pending_offloads", "Offloads waiting for the cloud now", null,
                GatewayMetrics.Snapshot::pendingOffloads);
        live.gauge("hybridfog_gateway_journal_bytes", "Bytes the journal takes on disk now (its file and sample files)",
                Unit.BYTES, g -> g.journal().diskBytes());
        live.gauge("hybridfog_gateway_journal_limit_bytes", "The journal's size limit on disk (journal.max.bytes)",
                Unit.BYTES, g -> g.journal().limitBytes());
        live.gauge("hybridfog_gateway_journal_inbox_bytes", "Encoded bytes of the journaled samples not answered yet",
                Unit.BYTES, g -> g.journal().inboxBytes());
        live.gauge("hybridfog_gateway_journal_outbox_results", "Results in the journal waiting for the broker's "
                + "acknowledgement", null, g -> g.journal().outboxResults());
        latency = Histogram.builder().name("hybridfog_gateway_latency_seconds").unit(Unit.SECONDS)
                .help("Time from receiving a sample to encoding its answer, by exit point (edge, cloud, fallback; "
                        + "error for error results): exit=\"edge\" is the edge latency, cloud and fallback the latency "
                        + "of offloaded samples")
                .labelNames("gateway", "exit").classicOnly().classicUpperBounds(LATENCY_BUCKETS_S).register(registry);
        energy = Histogram.builder().name("hybridfog_gateway_sample_energy_joules").unit(Unit.JOULES)
                .help("Computational energy spent on one classified sample (energy model of io.hybridfog.energy), "
                        + "by exit point")
                .labelNames("gateway", "exit").classicOnly().classicUpperBounds(ENERGY_BUCKETS_J).register(registry);
        referenceEnergy = Counter.builder().name("hybridfog_gateway_reference_energy_joules").unit(Unit.JOULES)
                .help("Energy the full-precision network would have spent on the same classified samples")
                .labelNames("gateway").register(registry);
    }

    @Override
    public void onResult(String gatewayId, InferenceResult r) {
        String exit = r.isError() || r.exit() == null ? "error" : exitLabel(r.exit());
        latency.labelValues(gatewayId, exit).observe(r.latencyMs() / 1000.0);
        if (!r.isError() && r.exit() != null) {
            energy.labelValues(gatewayId, exit).observe(r.energyPj() * PJ);
            referenceEnergy.labelValues(gatewayId).inc(Math.max(0, r.referenceEnergyPj() * PJ));
        }
    }

    static String exitLabel(ExitPoint exit) {
        return switch (exit) {
            case EDGE -> "edge";
            case CLOUD -> "cloud";
            case EDGE_FALLBACK -> "fallback";
        };
    }

    @Override
    public void close() {
        counts.close();
        live.close();
        registry.unregister(latency);
        registry.unregister(energy);
        registry.unregister(referenceEnergy);
    }
}
