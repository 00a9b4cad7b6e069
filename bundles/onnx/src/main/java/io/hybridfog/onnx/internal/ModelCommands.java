package io.hybridfog.onnx.internal;

import io.hybridfog.api.models.ModelCatalog;
import io.hybridfog.api.models.ModelCatalogException;
import io.hybridfog.api.models.ModelVersionStatus;
import java.util.List;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo shell commands for the model catalog (the Felix Gogo runtime finds them by the {@code osgi.command.*}
 * service properties; no Gogo dependency here). Failures throw {@link ModelCatalogException}, which Gogo prints.
 * <pre>
 * hybridfog:models                      installed versions, state (ACTIVE/STANDBY/REJECTED), pin, bundle, detail
 * hybridfog:activate &lt;model&gt; &lt;version&gt;  pin a version and make it active (validated and warmed first)
 * hybridfog:rollback &lt;model&gt;           pin the previous valid version and make it active
 * hybridfog:follow &lt;model&gt;             remove the pin: the newest valid version becomes active
 * </pre>
 */
@Component(service = ModelCommands.class, property = {
        "osgi.command.scope=hybridfog",
        "osgi.command.function=models",
        "osgi.command.function=activate",
        "osgi.command.function=rollback",
        "osgi.command.function=follow"})
public class ModelCommands {

    @Reference
    private ModelCatalog catalog;

    public String models() {
        return table(catalog.versions());
    }

    public String activate(String model, String version) throws ModelCatalogException {
        return "active: " + line(catalog.activate(model, version));
    }

    public String rollback(String model) throws ModelCatalogException {
        return "rolled back, active: " + line(catalog.rollback(model));
    }

    public String follow(String model) throws ModelCatalogException {
        return "following the newest version, active: " + line(catalog.followNewest(model));
    }

    static String table(List<ModelVersionStatus> versions) {
        if (versions.isEmpty()) {
            return "no model bundle installed";
        }
        StringBuilder out = new StringBuilder(String.format("%-32s %-10s %-8s %-6s %-11s %6s  %s%n",
                "MODEL", "VERSION", "STATE", "PINNED", "PARTITIONS", "BUNDLE", "DETAIL"));
        for (ModelVersionStatus v : versions) {
            out.append(String.format("%-32s %-10s %-8s %-6s %-11s %6d  %s%n", v.model(), v.version(), v.state(),
                    v.pinned() ? "yes" : "", String.join(",", v.partitions()), v.bundleId(), v.detail()));
        }
        return out.toString();
    }

    private static String line(ModelVersionStatus v) {
        return v.id() + (v.pinned() ? " (pinned)" : "") + " [bundle " + v.bundleId() + "] " + v.detail();
    }
}
