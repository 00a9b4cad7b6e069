package io.hybridfog.metrics.internal;

import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelVersionStatus;
import io.hybridfog.api.transport.MessageBus;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.lang.System.Logger.Level;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * What every node (gateway and cloud worker) has: the broker connection of each {@link MessageBus} and the active
 * version of each model ({@link ModelCatalog}). Active while the metrics endpoint is enabled.
 */
@Component(immediate = true, service = {})
public final class NodeCollectorComponent {
    private static final System.Logger LOG = System.getLogger(NodeCollectorComponent.class.getName());

    @Reference(name = "endpoint")
    private MetricsEndpoint endpoint;

    @Reference(name = "buses", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<MessageBus> buses;

    @Reference(name = "catalogs", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<ModelCatalog> catalogs;

    private Callbacks<MessageBus, MessageBus> broker;
    private MultiCollector models;

    @Activate
    void activate() {
        broker = brokerMetrics(endpoint.registry(), () -> buses);
        models = modelInfo(() -> catalogs);
        endpoint.registry().register(models);
    }

    @Deactivate
    void deactivate() {
        if (broker != null) {
            broker.close();
        }
        if (models != null) {
            endpoint.registry().unregister(models);
        }
    }

    /** {@code hybridfog_broker_connected{client_id}}: 1 while connected, 0 while reconnecting. */
    static Callbacks<MessageBus, MessageBus> brokerMetrics(PrometheusRegistry registry,
                                                            Supplier<? extends Collection<? extends MessageBus>> buses) {
        Callbacks<MessageBus, MessageBus> m = new Callbacks<>(registry, buses, b -> b, new String[] {"client_id"},
                b -> new String[] {b.clientId()});
        m.gauge("hybridfog_broker_connected", "1 while the MQTT client is connected to the broker, 0 while it "
                + "reconnects (absent before its first connection)", null, b -> b.isConnected() ? 1 : 0);
        return m;
    }

    /** {@code hybridfog_model_active_info{model,version}} = 1 for each active model version. */
    static MultiCollector modelInfo(Supplier<? extends Collection<? extends ModelCatalog>> catalogs) {
        return () -> {
            Set<List<String>> active = new TreeSet<>((a, b) -> (a.get(0) + '\0' + a.get(1)).compareTo(b.get(0) + '\0' + b.get(1)));
            Collection<? extends ModelCatalog> now = catalogs.get();
            for (ModelCatalog c : now == null ? List.<ModelCatalog>of() : now) {
                try {
                    for (ModelVersionStatus v : c.versions()) {
                        if (v.state() == ModelVersionStatus.State.ACTIVE) {
                            active.add(List.of(v.model(), v.version()));
                        }
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.DEBUG, "model catalog left out of this scrape: " + e);
                }
            }
            InfoSnapshot.Builder info = InfoSnapshot.builder().name("hybridfog_model_active")
                    .help("The model versions serving now (value 1): on a gateway the version its edge runs, on a "
                            + "cloud worker each model's newest valid version (older installed ones serve too)");
            for (List<String> mv : active) {
                info.dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                        .labels(Labels.of("model", mv.get(0), "version", mv.get(1))).build());
            }
            return MetricSnapshots.of(info.build());
        };
    }
}
