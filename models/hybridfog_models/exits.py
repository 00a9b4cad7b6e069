"""Exit-policy scores and threshold calibration (validation split only)."""
import numpy as np


def softmax_entropy_nats(logits):
    """Shannon entropy of softmax(logits) in nats, computed in float64. logits: (N, C)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    return -plogp.sum(axis=1)


def hybrid_outcome(exit_logits, final_logits, labels, threshold):
    """Accuracy and edge-exit rate when samples with entropy < threshold exit at the edge."""
    ent = softmax_entropy_nats(exit_logits)
    exits = ent < threshold
    pred = np.where(exits, exit_logits.argmax(1), final_logits.argmax(1))
    return float((pred == labels).mean()), float(exits.mean())


def calibrate_entropy_threshold(exit_logits, final_logits, labels, max_accuracy_drop, reference_accuracy=None):
    """Largest entropy threshold (nats) whose hybrid accuracy stays within
    `max_accuracy_drop` (fraction) of `reference_accuracy` on the given split: by default the cloud-only
    accuracy (the hybrid's own ceiling), or e.g. the full-precision network's accuracy on the same split.

    Candidates are the midpoints between sorted observed entropies, so the
    result does not depend on a grid resolution. Returns 0.0 (nothing exits) when no threshold qualifies.
    """
    ent = np.sort(softmax_entropy_nats(exit_logits))
    cloud_acc = float((final_logits.argmax(1) == labels).mean()) if reference_accuracy is None else reference_accuracy
    candidates = np.concatenate([[0.0], (ent[1:] + ent[:-1]) / 2, [ent[-1] + 1e-6]])
    best = 0.0
    for t in candidates:
        acc, _ = hybrid_outcome(exit_logits, final_logits, labels, t)
        if acc >= cloud_acc - max_accuracy_drop:
            best = float(t)
    return best
