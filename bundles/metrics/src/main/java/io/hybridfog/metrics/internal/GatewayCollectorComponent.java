package io.hybridfog.metrics.internal;

import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.metrics.ResultObserver;
import io.hybridfog.edge.GatewayMetrics;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Active while the metrics endpoint is enabled and at least one edge gateway runs (so never in the cloud
 * distribution, which lacks the edge bundle: its package is imported optionally): adds the {@link GatewayCollector}
 * metrics to the endpoint and, as a {@link ResultObserver}, feeds its histograms.
 */
@Component(immediate = true, service = ResultObserver.class)
public final class GatewayCollectorComponent implements ResultObserver {

    @Reference(name = "endpoint")
    private MetricsEndpoint endpoint;

    @Reference(name = "gateways", cardinality = ReferenceCardinality.AT_LEAST_ONE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<GatewayMetrics> gateways;

    private volatile GatewayCollector collector;

    @Activate
    void activate() {
        collector = new GatewayCollector(endpoint.registry(), () -> gateways);
    }

    @Deactivate
    void deactivate() {
        GatewayCollector c = collector;
        collector = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void onResult(String gatewayId, InferenceResult result) {
        GatewayCollector c = collector;
        if (c != null) {
            c.onResult(gatewayId, result);
        }
    }
}
