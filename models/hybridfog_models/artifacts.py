"""Evaluation artifacts every exported model writes: metrics.json and reference-predictions.csv."""
import json
import os

from .exits import hybrid_outcome, softmax_entropy_nats


def write_metrics_and_reference(out, metrics, threshold, val, test):
    """Adds validation/test figures at `threshold` (nats) to `metrics`, writes metrics.json, and writes the
    per-sample PyTorch predictions on the test split (the Java contract tests compare against them).

    val, test: (exit_logits (N,C), final_logits (N,C), labels (N,)) as numpy arrays.
    """
    for split, (e, c, y) in (("validation", val), ("test", test)):
        acc, exit_rate = hybrid_outcome(e, c, y, threshold)
        metrics[split] = {"samples": int(len(y)), "cloud_only_accuracy": float((c.argmax(1) == y).mean()),
                          "exit_only_accuracy": float((e.argmax(1) == y).mean()),
                          "hybrid_accuracy": acc, "edge_exit_rate": exit_rate}
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
    print(json.dumps(metrics, indent=2, sort_keys=True))

    te, tc, yte = test
    ent = softmax_entropy_nats(te)
    with open(os.path.join(out, "reference-predictions.csv"), "w") as f:
        f.write("index,label,exit_pred,exit_entropy_nats,cloud_pred\n")
        for i in range(len(yte)):
            f.write(f"{i},{yte[i]},{te[i].argmax()},{ent[i]:.7f},{tc[i].argmax()}\n")
