package io.hybridfog.onnx.internal;

import io.hybridfog.api.CloudPartition;
import io.hybridfog.api.EdgePartition;
import io.hybridfog.api.PartitionProperties;
import io.hybridfog.onnx.ModelBundle;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** The services registered for one model bundle, and the partitions behind them. */
final class ModelBundleRegistration implements AutoCloseable {
    private final ModelBundle model;
    private final List<ServiceRegistration<?>> services;
    private final List<String> partitionKeys;

    private ModelBundleRegistration(ModelBundle model, List<ServiceRegistration<?>> services, List<String> partitionKeys) {
        this.model = model;
        this.services = services;
        this.partitionKeys = List.copyOf(partitionKeys);
    }

    /** Registers an EdgePartition and/or CloudPartition service with the model name and version as properties. */
    static ModelBundleRegistration register(BundleContext context, ModelBundle model, List<String> partitionKeys) {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(PartitionProperties.MODEL, model.headers().model());
        properties.put(PartitionProperties.VERSION, model.headers().version());
        List<ServiceRegistration<?>> services = new ArrayList<>();
        model.edge().ifPresent(edge -> services.add(context.registerService(EdgePartition.class, edge, properties)));
        model.cloud().ifPresent(cloud -> services.add(context.registerService(CloudPartition.class, cloud, properties)));
        return new ModelBundleRegistration(model, services, partitionKeys);
    }

    String id() {
        return model.id();
    }

    List<String> partitionKeys() {
        return partitionKeys;
    }

    /** Unregisters first, so no new caller finds a partition that is closing; then closes (waits for runs in flight). */
    @Override
    public void close() {
        for (ServiceRegistration<?> service : services) {
            try {
                service.unregister();
            } catch (IllegalStateException alreadyUnregistered) {
                // the framework unregisters our services itself when this bundle stops
            }
        }
        model.close();
    }
}
