package io.hybridfog.config;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a ConfigAdmin dictionary through a component property type: the annotation interface a component declares
 * with {@code @ObjectClassDefinition}, from which bnd also generates the bundle's metatype
 * ({@code OSGI-INF/metatype/<pid>.xml}). That interface is the one place a key, its type and its default are written:
 * a method's name gives the key by the Declarative Services rule ({@code _} is {@code .}, {@code __} is {@code _},
 * {@code $_$} is {@code -}, {@code $$} is {@code $}, any other {@code $} is dropped; e.g. {@code broker_url()} is
 * {@code broker.url}), its return type the key's type and its {@code default} the key's default.
 *
 * <p>Values are converted strictly, where Declarative Services' own coercion would turn {@code yes} into
 * {@code false} or 3000000000 into a negative int: a value is accepted as its declared type or that type's string
 * form (FileInstall {@code .cfg} files deliver strings), anything else fails with a {@link SettingException} naming
 * the key. All values are converted when the instance is made, so an invalid configuration fails at once.
 * <ul>
 * <li>{@code String}: trimmed; absent or blank gives the default (null without one). A method annotated
 * {@link Secret} keeps the value as given (passwords may have spaces; a {@code char[]} is accepted).</li>
 * <li>{@code int}, {@code long}: an integral number or its decimal string ({@code not an integer: '1.5'}), within the
 * type's range ({@code out of range: 2147483648}).</li>
 * <li>{@code boolean}: {@code true} or {@code false} in any case ({@code not true or false: 'yes'}).</li>
 * <li>{@code double}: a number or its string form; NaN is rejected.</li>
 * </ul>
 * Absent or blank values take the method's default; a primitive without a default then fails ({@code required}).
 * Other return types are refused when the instance is made. Thread-safe; instances are immutable.
 */
public final class ComponentConfig {
    private ComponentConfig() {
    }

    /**
     * Reads {@code properties} as an instance of {@code type}.
     *
     * @param type       an annotation interface whose methods return String, int, long, boolean or double
     * @param properties component properties as Declarative Services hands them to {@code activate}
     * @return an immutable instance whose methods return the converted values
     * @throws SettingException         naming the key of the first value that is invalid
     * @throws IllegalArgumentException if {@code type} is not an annotation interface or a method returns another type
     */
    public static <A> A read(Class<A> type, Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        if (!type.isAnnotation()) {
            throw new IllegalArgumentException(type.getName() + " is not an annotation interface");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Method m : type.getDeclaredMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                values.put(m.getName(), value(m, properties.get(key(m))));
            }
        }
        InvocationHandler handler = (proxy, method, args) -> switch (method.getName()) {
            case "annotationType" -> type;
            case "hashCode" -> values.hashCode();
            case "equals" -> args[0] == proxy;
            case "toString" -> describe(type, values);
            default -> values.get(method.getName());
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    /** The configuration key of a component property type method, by the Declarative Services rule. */
    public static String key(Method method) {
        String name = method.getName();
        StringBuilder key = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_') {
                boolean doubled = i + 1 < name.length() && name.charAt(i + 1) == '_';
                key.append(doubled ? '_' : '.');
                i += doubled ? 1 : 0;
            } else if (c == '$') {
                if (name.startsWith("$_$", i)) {
                    key.append('-');
                    i += 2;
                } else if (name.startsWith("$$", i)) {
                    key.append('$');
                    i += 1;
                }
            } else {
                key.append(c);
            }
        }
        return key.toString();
    }

    private static Object value(Method m, Object raw) {
        String key = key(m);
        Class<?> t = m.getReturnType();
        if (t != String.class && t != int.class && t != long.class && t != boolean.class && t != double.class) {
            throw new IllegalArgumentException(m.getDeclaringClass().getName() + "." + m.getName() + " returns " + t
                    + "; supported: String, int, long, boolean, double");
        }
        boolean blank = raw == null || (raw instanceof String s && s.isBlank());
        if (t == String.class && m.isAnnotationPresent(Secret.class)) {
            String s = raw instanceof char[] c ? new String(c) : raw == null ? "" : String.valueOf(raw);
            return s.isEmpty() ? m.getDefaultValue() : s;
        }
        if (blank) {
            Object def = m.getDefaultValue();
            if (def == null && t.isPrimitive()) {
                throw new SettingException(key, "required");
            }
            return def;
        }
        if (t == String.class) {
            return String.valueOf(raw).trim();
        }
        if (t == long.class) {
            return longValue(key, raw);
        }
        if (t == int.class) {
            long v = longValue(key, raw);
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new SettingException(key, "out of range: " + v);
            }
            return (int) v;
        }
        if (t == boolean.class) {
            return bool(key, raw);
        }
        return doubleValue(key, raw);
    }

    private static long longValue(String key, Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        try {
            return Long.parseLong(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw new SettingException(key, "not an integer: '" + v + "'");
        }
    }

    private static boolean bool(String key, Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        String s = String.valueOf(v).trim();
        if (s.equalsIgnoreCase("true")) {
            return true;
        }
        if (s.equalsIgnoreCase("false")) {
            return false;
        }
        throw new SettingException(key, "not true or false: '" + v + "'");
    }

    /**
     * A number from a configuration value (a {@link Number} or its string form).
     *
     * @throws SettingException naming {@code key} if it is not a number or is NaN
     */
    public static double doubleValue(String key, Object v) {
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw new SettingException(key, "not a number: '" + v + "'");
            }
        }
        if (Double.isNaN(d)) {
            throw new SettingException(key, "must not be NaN");
        }
        return d;
    }

    private static String describe(Class<?> type, Map<String, Object> values) {
        StringBuilder b = new StringBuilder(type.getSimpleName()).append('[');
        String sep = "";
        Method[] methods = type.getDeclaredMethods();
        Arrays.sort(methods, (x, y) -> x.getName().compareTo(y.getName()));
        for (Method m : methods) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object v = values.get(m.getName());
            boolean secret = m.isAnnotationPresent(Secret.class);
            b.append(sep).append(key(m)).append('=').append(secret ? (v == null || "".equals(v) ? "<none>" : "<set>") : v);
            sep = ", ";
        }
        return b.append(']').toString();
    }
}
