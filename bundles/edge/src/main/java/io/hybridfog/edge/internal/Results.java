package io.hybridfog.edge.internal;

import io.hybridfog.api.EnergyEstimate;
import io.hybridfog.api.EnergyModel;
import io.hybridfog.api.ErrorCode;
import io.hybridfog.api.ExitDecision;
import io.hybridfog.api.ExitPoint;
import io.hybridfog.api.InferenceResult;
import io.hybridfog.api.ModelDescriptor;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Builds the {@link InferenceResult}s the gateway publishes; latency is filled in at publish time. */
final class Results {
    private static final System.Logger LOG = System.getLogger(Results.class.getName());
    private final EnergyModel energy;
    private final Set<String> energyWarned = ConcurrentHashMap.newKeySet();

    Results(EnergyModel energy) {
        this.energy = energy;
    }

    /** Answered by the early exit: class, confidence and entropy of the exit softmax; edge energy only. */
    InferenceResult edge(Sample s, ModelDescriptor d, ExitDecision decision) {
        EnergyEstimate e = estimate(d, false);
        return new InferenceResult(s.sampleId(), s.deviceId(), d.name(), d.version(), ExitPoint.EDGE,
                decision.predictedClass(), label(d, decision.predictedClass()), decision.confidence(),
                decision.entropyNats(), 0, e.totalPj(), e.referencePj(), 0, null, null);
    }

    /** Offloaded, but the cloud did not answer: the early exit's answer, flagged; edge energy only. */
    InferenceResult fallback(Sample s, ModelDescriptor d, ExitDecision decision, long offloadBytes) {
        EnergyEstimate e = estimate(d, false);
        return new InferenceResult(s.sampleId(), s.deviceId(), d.name(), d.version(), ExitPoint.EDGE_FALLBACK,
                decision.predictedClass(), label(d, decision.predictedClass()), decision.confidence(),
                decision.entropyNats(), 0, e.totalPj(), e.referencePj(), offloadBytes, null, null);
    }

    /**
     * Answered by the cloud.
     *
     * @param probabilities cloud softmax, [classes]
     * @param offloadBytes  HFT bytes sent to the cloud
     */
    InferenceResult cloud(Sample s, ModelDescriptor d, ExitDecision exit, double[] probabilities, long offloadBytes) {
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        EnergyEstimate e = estimate(d, true);
        return new InferenceResult(s.sampleId(), s.deviceId(), d.name(), d.version(), ExitPoint.CLOUD, best,
                label(d, best), probabilities[best], exit.entropyNats(), 0, e.totalPj(), e.referencePj(), offloadBytes,
                null, null);
    }

    /** An error before anything was offloaded; model fields only if a model had been chosen. */
    static InferenceResult error(Sample s, ModelDescriptor d, ErrorCode code, String message) {
        return error(s, d, code, message, 0);
    }

    /** An error; model fields only if a model had been chosen, offloadBytes if features were sent. */
    static InferenceResult error(Sample s, ModelDescriptor d, ErrorCode code, String message, long offloadBytes) {
        return new InferenceResult(s.sampleId(), s.deviceId(), d == null ? null : d.name(), d == null ? null : d.version(),
                null, -1, null, 0, 0, 0, 0, 0, offloadBytes, code, message);
    }

    static InferenceResult withLatency(InferenceResult r, double latencyMs) {
        return new InferenceResult(r.sampleId(), r.deviceId(), r.model(), r.modelVersion(), r.exit(), r.predictedClass(),
                r.label(), r.confidence(), r.entropyNats(), latencyMs, r.energyPj(), r.referenceEnergyPj(),
                r.offloadBytes(), r.error(), r.errorMessage());
    }

    private static String label(ModelDescriptor d, int cls) {
        return cls >= 0 && cls < d.labels().size() ? d.labels().get(cls) : String.valueOf(cls);
    }

    /** An energy model without a bit-width of this model reports 0 rather than failing the classification. */
    private EnergyEstimate estimate(ModelDescriptor d, boolean offloaded) {
        try {
            return energy.estimate(d.macs(), offloaded);
        } catch (RuntimeException e) {
            if (energyWarned.add(d.id())) {
                LOG.log(Level.WARNING, "energy model cannot estimate " + d.id() + ", reporting 0 pJ: " + e.getMessage());
            }
            return new EnergyEstimate(0, 0, 0);
        }
    }
}
