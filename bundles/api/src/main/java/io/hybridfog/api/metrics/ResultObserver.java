package io.hybridfog.api.metrics;

import io.hybridfog.api.InferenceResult;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Sees every result an edge gateway answers a sample with, for monitoring (latency and energy distributions).
 * Whiteboard: register it as an OSGi service; each active gateway calls every registered observer once per result,
 * classifications and error results alike, as the result is encoded for its device (redelivered duplicates, which
 * get no result, are not seen). A result answered before an observer was registered is not replayed to it.
 *
 * <p>Called on the gateway's worker, delivery and timer threads, concurrently: an implementation must be
 * thread-safe, fast (no I/O, no locks held for long) and must not throw; an exception is logged and ignored.
 */
@ConsumerType
public interface ResultObserver {

    /**
     * @param gatewayId the answering gateway's {@code gateway.id}
     * @param result    the result as published: {@link InferenceResult#exit()} (null for an error result),
     *                  {@link InferenceResult#error()}, {@link InferenceResult#latencyMs()} (milliseconds from
     *                  receiving the sample to encoding its answer), {@link InferenceResult#energyPj()} and
     *                  {@link InferenceResult#referenceEnergyPj()} (picojoules), {@link InferenceResult#modelVersion()}
     */
    void onResult(String gatewayId, InferenceResult result);
}
