package io.hybridfog.runtime.gateway;

import io.hybridfog.launcher.DistributionLauncher;
import java.util.List;

/** {@code hybridfog-gateway}: the edge gateway distribution (Felix + edge, policy, energy, ONNX, MQTT bundles). */
public final class GatewayMain {
    public static final DistributionLauncher.Role ROLE = new DistributionLauncher.Role("hybridfog-gateway", "edge gateway",
            "io.hybridfog.edge.internal.EdgeGatewayComponent", List.of("io.hybridfog.mqtt", "io.hybridfog.edge", "io.hybridfog.energy"),
            GatewayMain.class);

    private GatewayMain() {
    }

    public static void main(String[] args) {
        DistributionLauncher.main(ROLE, args);
    }
}
