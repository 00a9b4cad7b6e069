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
    candidates = _candidate_thresholds(ent)
    best = 0.0
    for t in candidates:
        acc, _ = hybrid_outcome(exit_logits, final_logits, labels, t)
        if acc >= cloud_acc - max_accuracy_drop:
            best = float(t)
    return best


def calibrate_for_targets(exit_logits, final_logits, labels, reference_correct, max_accuracy_drop, min_exit_rate):
    """Entropy threshold (nats) with the widest statistical margin on both of a deployment's targets:
    hybrid accuracy no more than `max_accuracy_drop` (fraction) below a reference network's, and an edge-exit
    rate of at least `min_exit_rate` (fraction; an energy target maps to one through the MAC energy model,
    docs/energy.md).

    Calibrating exactly on a bound (calibrate_entropy_threshold) leaves an even chance of missing it on unseen
    data. Here each candidate threshold gets two z-scores on the calibration split: the paired accuracy
    difference hybrid - reference over its standard error, plus the drop allowed,
    z_acc = (mean(d) + max_accuracy_drop) / (std(d) / sqrt(N)), with d_i = correct_hybrid_i - reference_correct_i,
    and the exit rate's binomial margin z_exit = (rate - min_exit_rate) / sqrt(rate (1 - rate) / N).
    The threshold maximizing min(z_acc, z_exit) is returned: where both targets are met, the one met with the
    most confidence; where they conflict, the best compromise, and a negative margin says so.

    exit_logits, final_logits: (N, C) float; labels: (N,) int; reference_correct: (N,) bool, the reference
    network's per-sample correctness on the same split (e.g. the full-precision baseline's).
    Returns (threshold_nats, margin_z, accuracy, exit_rate) at the chosen threshold.
    Candidates are the midpoints between sorted distinct entropies (plus 0 and above the largest); raises
    ValueError for empty or mismatched inputs.
    """
    labels = np.asarray(labels)
    n = len(labels)
    if n == 0 or not (len(exit_logits) == len(final_logits) == len(reference_correct) == n):
        raise ValueError("calibrate_for_targets: inputs must be non-empty and of equal length")
    if not (0.0 <= max_accuracy_drop <= 1.0 and 0.0 <= min_exit_rate <= 1.0):
        raise ValueError(f"calibrate_for_targets: max_accuracy_drop {max_accuracy_drop} and min_exit_rate "
                         f"{min_exit_rate} must be fractions in [0, 1]")
    ent = softmax_entropy_nats(exit_logits)
    order = np.argsort(ent, kind="stable")
    ent = ent[order]
    ref = np.asarray(reference_correct, dtype=np.int64)[order]
    d_exit = (np.asarray(exit_logits).argmax(1)[order] == labels[order]).astype(np.int64) - ref
    d_cloud = (np.asarray(final_logits).argmax(1)[order] == labels[order]).astype(np.int64) - ref
    # k = number of exits (the k lowest entropies); d is in {-1, 0, 1}, so d^2 = |d|
    head = np.concatenate([[0], np.cumsum(d_exit)])
    head_sq = np.concatenate([[0], np.cumsum(np.abs(d_exit))])
    tail = d_cloud.sum() - np.concatenate([[0], np.cumsum(d_cloud)])
    tail_sq = np.abs(d_cloud).sum() - np.concatenate([[0], np.cumsum(np.abs(d_cloud))])
    k = np.arange(n + 1)
    reachable = np.concatenate([[True], ent[1:] > ent[:-1], [True]])  # ties exit together
    mean_d = (head + tail) / n
    var_d = np.maximum((head_sq + tail_sq) / n - mean_d ** 2, 0.0) * n / max(n - 1, 1)
    se_d = np.sqrt(var_d / n)
    rate = k / n
    se_rate = np.sqrt(rate * (1 - rate) / n)
    margin = np.where(reachable, np.minimum(_z(mean_d + max_accuracy_drop, se_d), _z(rate - min_exit_rate, se_rate)),
                      -np.inf)
    best = int(np.argmax(margin))
    thresholds = _candidate_thresholds(ent)
    accuracy = float(mean_d[best] + np.asarray(reference_correct, dtype=np.float64).mean())
    return float(thresholds[best]), float(margin[best]), accuracy, float(rate[best])


def _z(slack, se):
    """slack / se elementwise; where se is 0 the estimate is exact: +inf, -inf, or 0 on the bound itself."""
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(slack > 0, np.inf, np.where(slack < 0, -np.inf, 0.0))
        return np.where(se > 0, slack / np.where(se > 0, se, 1.0), exact)


def _candidate_thresholds(sorted_entropies):
    """0, the midpoints between consecutive sorted entropies, and just above the largest: candidate k lets the k
    lowest-entropy samples exit (entropy < threshold), so no grid resolution enters the calibration."""
    ent = sorted_entropies
    return np.concatenate([[0.0], (ent[1:] + ent[:-1]) / 2, [ent[-1] + 1e-6]])
