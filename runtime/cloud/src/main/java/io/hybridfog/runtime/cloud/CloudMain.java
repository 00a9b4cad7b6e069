package io.hybridfog.runtime.cloud;

import io.hybridfog.launcher.DistributionLauncher;
import java.util.List;

/** {@code hybridfog-cloud}: the cloud worker distribution (Felix + cloud, ONNX, MQTT bundles). */
public final class CloudMain {
    public static final DistributionLauncher.Role ROLE = new DistributionLauncher.Role("hybridfog-cloud", "cloud worker",
            "io.hybridfog.cloud.internal.CloudWorkerComponent", List.of("io.hybridfog.mqtt", "io.hybridfog.cloud"), CloudMain.class);

    private CloudMain() {
    }

    public static void main(String[] args) {
        DistributionLauncher.main(ROLE, args);
    }
}
