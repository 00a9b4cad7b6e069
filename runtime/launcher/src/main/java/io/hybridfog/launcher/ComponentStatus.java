package io.hybridfog.launcher;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * One Declarative Services component of a running framework, as SCR's {@code ServiceComponentRuntime} reports it.
 * Read by reflection: the DS API lives in a bundle, not on the launcher's class path.
 *
 * @param component component name
 * @param bundle    symbolic name of its bundle
 * @param state     {@code active}, {@code satisfied}, {@code invalid-configuration} (activation threw a
 *                  ConfigurationException: a value was rejected), {@code failed} (any other activation failure),
 *                  {@code unsatisfied-reference},
 *                  {@code unsatisfied-configuration}, {@code no-configuration} (configuration policy require and no
 *                  configuration yet)
 * @param detail    the failure (first line of the activation exception), the missing references, or the PID
 */
public record ComponentStatus(String component, String bundle, String state, String detail) {
    private static final String SCR = "org.osgi.service.component.runtime.ServiceComponentRuntime";

    public boolean failed() {
        return "failed".equals(state) || invalidConfiguration();
    }

    /** Activation failed because a configuration value was rejected (not, e.g., because the broker did not answer). */
    public boolean invalidConfiguration() {
        return "invalid-configuration".equals(state);
    }

    public boolean active() {
        return "active".equals(state) || "satisfied".equals(state);
    }

    @Override
    public String toString() {
        return component + " (" + bundle + "): " + state + (detail.isEmpty() ? "" : ": " + detail);
    }

    /** Components of bundles whose symbolic name starts with the prefix; empty if SCR is not (yet) running. */
    static List<ComponentStatus> read(BundleContext context, String bundlePrefix) {
        List<ComponentStatus> out = new ArrayList<>();
        ServiceReference<?> ref;
        try {
            ServiceReference<?>[] refs = context.getAllServiceReferences(SCR, null);
            if (refs == null || refs.length == 0) {
                return out;
            }
            ref = refs[0];
        } catch (Exception e) {
            return out;
        }
        Object scr = context.getService(ref);
        if (scr == null) {
            return out;
        }
        try {
            Class<?> api = apiInterface(scr.getClass());
            Method descriptions = api.getMethod("getComponentDescriptionDTOs", org.osgi.framework.Bundle[].class);
            Method configurations = Arrays.stream(api.getMethods())
                    .filter(m -> m.getName().equals("getComponentConfigurationDTOs")).findFirst().orElseThrow();
            for (Object desc : (Collection<?>) descriptions.invoke(scr, (Object) new org.osgi.framework.Bundle[0])) {
                String bundle = String.valueOf(field(field(desc, "bundle"), "symbolicName"));
                if (!bundle.startsWith(bundlePrefix)) {
                    continue;
                }
                String name = String.valueOf(field(desc, "name"));
                Collection<?> confs = (Collection<?>) configurations.invoke(scr, desc);
                if (confs.isEmpty()) {
                    String[] pids = (String[]) field(desc, "configurationPid");
                    boolean required = "require".equals(field(desc, "configurationPolicy"));
                    out.add(new ComponentStatus(name, bundle, required ? "no-configuration" : "disabled",
                            required ? "waiting for configuration " + String.join(", ", pids) : ""));
                }
                for (Object conf : confs) {
                    out.add(of(name, bundle, conf));
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            out.add(new ComponentStatus("?", "?", "unknown", "cannot read the component states: " + e));
        } finally {
            context.ungetService(ref);
        }
        return out;
    }

    private static ComponentStatus of(String name, String bundle, Object conf) throws ReflectiveOperationException {
        int state = (Integer) field(conf, "state");
        switch (state) {
            case 16: { // FAILED_ACTIVATION
                Object failure = field(conf, "failure");
                String text = failure == null ? "" : failure.toString().strip();
                return new ComponentStatus(name, bundle,
                        text.lines().findFirst().orElse("").contains("org.osgi.service.cm.ConfigurationException")
                                ? "invalid-configuration" : "failed",
                        firstLine(text));
            }
            case 2: { // UNSATISFIED_REFERENCE
                List<String> missing = new ArrayList<>();
                Object[] refs = (Object[]) field(conf, "unsatisfiedReferences");
                for (Object r : refs == null ? new Object[0] : refs) {
                    Object target = field(r, "target");
                    missing.add(field(r, "name") + (target == null ? "" : " " + target));
                }
                return new ComponentStatus(name, bundle, "unsatisfied-reference",
                        "waiting for service(s): " + String.join(", ", missing));
            }
            case 1:
                return new ComponentStatus(name, bundle, "unsatisfied-configuration", "waiting for its configuration");
            case 8:
                return new ComponentStatus(name, bundle, "active", "");
            default:
                return new ComponentStatus(name, bundle, "satisfied", "");
        }
    }

    /** The exception's first line, without the exception class names ("x.y.ConfigurationException: key : reason"). */
    static String firstLine(String failure) {
        String line = failure.strip().lines().findFirst().orElse("");
        // strip leading "some.package.SomeException: " prefixes, keep the message
        while (line.matches("^[\\w$.]+(Exception|Error):\\s.*")) {
            line = line.substring(line.indexOf(':') + 1).strip();
        }
        return line;
    }

    private static Class<?> apiInterface(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Class<?> i : k.getInterfaces()) {
                if (i.getName().equals(SCR)) {
                    return i;
                }
            }
        }
        throw new IllegalStateException(c + " does not implement " + SCR);
    }

    private static Object field(Object dto, String name) throws ReflectiveOperationException {
        if (dto == null) {
            return null;
        }
        Field f = dto.getClass().getField(name);
        return f.get(dto);
    }
}
