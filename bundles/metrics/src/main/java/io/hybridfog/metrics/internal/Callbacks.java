package io.hybridfog.metrics.internal;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Metrics read at scrape time from the services a collector tracks: each metric calls {@code read} on every source
 * and exposes one series per source, labelled by {@code label}. A source that fails (a component going away) is
 * left out of that scrape. Registered with one registry; {@link #close()} removes them all.
 *
 * @param <S> the source service type
 * @param <V> what is read from one source per metric (e.g. a counters snapshot)
 */
final class Callbacks<S, V> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Callbacks.class.getName());
    private final PrometheusRegistry registry;
    private final Supplier<? extends Collection<? extends S>> sources;
    private final Function<? super S, ? extends V> read;
    private final String[] labelNames;
    private final Function<? super S, String[]> labelValues;
    private final List<Collector> registered = new ArrayList<>();

    /**
     * @param labelNames  label names of every series (besides per-metric extra labels)
     * @param labelValues the values of {@code labelNames} for one source
     */
    Callbacks(PrometheusRegistry registry, Supplier<? extends Collection<? extends S>> sources,
              Function<? super S, ? extends V> read, String[] labelNames, Function<? super S, String[]> labelValues) {
        this.registry = registry;
        this.sources = sources;
        this.read = read;
        this.labelNames = labelNames;
        this.labelValues = labelValues;
    }

    /** A monotonic counter; {@code name} without {@code _total} (the exposition adds it). */
    void counter(String name, String help, ToDoubleFunction<? super V> value) {
        add(CounterWithCallback.builder().name(name).help(help).labelNames(labelNames)
                .callback(cb -> each((labels, v) -> cb.call(value.applyAsDouble(v), labels))).build());
    }

    /** A counter per value of one more label: {@code values} gives (label value, count) pairs per source. */
    void counterBy(String name, String help, String label, Function<? super V, ? extends Iterable<? extends Labelled>> values) {
        add(CounterWithCallback.builder().name(name).help(help).labelNames(append(labelNames, label))
                .callback(cb -> each((labels, v) -> {
                    for (Labelled l : values.apply(v)) {
                        cb.call(l.value(), append(labels, l.label()));
                    }
                })).build());
    }

    /** A gauge; {@code unit} may be null (a count). */
    void gauge(String name, String help, Unit unit, ToDoubleFunction<? super V> value) {
        GaugeWithCallback.Builder b = GaugeWithCallback.builder().name(name).help(help).labelNames(labelNames)
                .callback(cb -> each((labels, v) -> cb.call(value.applyAsDouble(v), labels)));
        if (unit != null) {
            b.unit(unit);
        }
        add(b.build());
    }

    /** One value of an extra label and its number. */
    record Labelled(String label, double value) {
    }

    private interface Each<V> {
        void accept(String[] labels, V value);
    }

    private void each(Each<? super V> action) {
        Collection<? extends S> now = sources.get();
        if (now == null) {
            return;
        }
        for (S source : now) {
            V value;
            String[] labels;
            try {
                value = read.apply(source);
                labels = labelValues.apply(source);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "metrics source " + source + " left out of this scrape: " + e);
                continue;
            }
            action.accept(labels, value);
        }
    }

    private void add(Collector c) {
        registry.register(c);
        registered.add(c);
    }

    static String[] append(String[] a, String b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = b;
        return r;
    }

    @Override
    public void close() {
        registered.forEach(registry::unregister);
        registered.clear();
    }
}
