package io.hybridfog.cloud.internal;

import io.hybridfog.cloud.CloudWorkerMetrics;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Gogo shell command {@code hybridfog:cloud}: the cloud worker's counters (found by the osgi.command.* properties). */
@Component(service = CloudCommands.class, property = {
        "osgi.command.scope=hybridfog",
        "osgi.command.function=cloud"})
public class CloudCommands {

    private final List<CloudWorkerMetrics> workers = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addWorker(CloudWorkerMetrics worker) {
        workers.add(worker);
    }

    void removeWorker(CloudWorkerMetrics worker) {
        workers.remove(worker);
    }

    public String cloud() {
        if (workers.isEmpty()) {
            return "no cloud worker is running (configuration " + CloudWorkerComponent.PID + " missing or invalid?)";
        }
        StringBuilder out = new StringBuilder();
        for (CloudWorkerMetrics w : workers) {
            CloudWorkerMetrics.Snapshot s = w.snapshot();
            out.append(String.format("cloud worker: %d requests, %d answered, errors %s, %d dropped (no response topic), "
                    + "%d publish failures, %d queued now%n", s.requests(), s.answered(), s.errors(), s.dropped(),
                    s.publishFailures(), s.queued()));
        }
        return out.toString();
    }
}
