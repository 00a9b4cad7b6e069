#!/usr/bin/python3
"""Trains the CIFAR-10 baseline, then every hybrid variant, on one GPU within a wall-clock budget; export stays on
the CPU (train.py rerun with the planned --epochs resumes at the last epoch, then freezes, calibrates, exports).

    python3 models/cifar10/gpu_train.py --archive .gpu/train.tar.xz --work /tmp/hf --out "$OUT" --budget 560

--archive: train.zip's JPEGs as a tar.xz (<class>/<nnnn>.jpg; 15 MB instead of 51: xz shares the JPEG headers that
zip compresses per file), made here by
    mkdir -p /tmp/c10 && unzip -q -o ../shared/data/cifar10/train.zip -d /tmp/c10 && \\
    (cd /tmp/c10 && find . -name '*.jpg' | sort | tar cf - -T - | xz -9 -T2) > .gpu/train.tar.xz
Phases: decode (the cache train.py would write, same order: sorted names) -> baseline (--baseline-share of the
budget) -> all hybrid variants at once (the rest; each fixes its epochs after its first one, measured while all of
them share the GPU) -> <out>/checkpoints.tar.partNN (15 MiB parts) and <out>/summary.txt.
"""
import argparse
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import time
from multiprocessing import Pool

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train import CLASSES, save_cache  # noqa: E402

# the recipe of s2b3-b1 1.4.0 (docs/results.md), for every variant: Bi-Real shortcuts, 4x4-pooled exit,
# distillation from the baseline into both heads
HYBRID_RECIPE = ["--exit-pool", "4", "--exit-weight", "0.5", "--shortcuts", "conv", "--distill-t", "4",
                 "--distill-weight", "0.7"]
VARIANTS = [f"{cut}-b{bits}" for cut in ("s2b3", "s1", "s3b2") for bits in (1, 2, 4)]


def _decode(item):
    from PIL import Image
    return np.array(Image.open(io.BytesIO(item)).convert("RGB"))


def write_cache(archive, cache_dir):
    """Decodes the archive into <cache_dir>/train-u8.npz exactly as train.load_zip would (sorted entry names)."""
    with tarfile.open(archive, "r:xz") as t:
        items = sorted((m.name[2:] if m.name.startswith("./") else m.name, t.extractfile(m).read())
                       for m in t.getmembers() if m.name.endswith(".jpg"))
    with Pool(min(16, os.cpu_count() or 1)) as pool:
        x = np.stack(pool.map(_decode, [b for _, b in items], chunksize=500))
    y = np.array([CLASSES.index(name.split("/")[-2]) for name, _ in items], dtype=np.int64)
    save_cache(os.path.join(cache_dir, "train-u8.npz"), x, y)
    return hashlib.sha256(x.tobytes()).hexdigest()[:16], len(y)


def train_cmd(args, mode, budget, cap, extra):
    return [sys.executable, "-u", os.path.join(HERE, "train.py"), mode, "--device", args.device,
            "--schedule", "warmup-cosine", "--time-budget", f"{budget:.0f}", "--epochs", str(cap), "--threads", "1",
            "--train-only", "--cache", os.path.join(args.work, "cache"), "--build", os.path.join(args.work, "build"),
            "--out", os.path.join(args.work, "artifacts"), "--data", os.path.join(args.work, "no-test-data")
            ] + args.train_args.split() + extra


def run_all(cmds, logs, hard_deadline):
    """Runs the commands at once, each logging to its file; kills what still runs at hard_deadline."""
    procs = []
    for cmd, log in zip(cmds, logs):
        procs.append(subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT))
    while any(p.poll() is None for p in procs):
        if time.time() > hard_deadline:
            for p in procs:
                if p.poll() is None:
                    p.kill()
            print("hard deadline: killed what still ran (their last epoch checkpoints remain)", flush=True)
            break
        time.sleep(2)
    return [p.wait() for p in procs]


def pack(args, logs):
    """<out>/checkpoints.tar.partNN: every checkpoint.pt and log; if over 60 MiB in all, the non-main variants'
    optimizer state is dropped (their weights-only hybrid.pt travels instead)."""
    build = os.path.join(args.work, "build")
    files = [os.path.join(build, d, "checkpoint.pt") for d in sorted(os.listdir(build))
             if os.path.exists(os.path.join(build, d, "checkpoint.pt"))]
    if sum(os.path.getsize(f) for f in files) > 60 * 2 ** 20:
        files = [f for f in files if "/baseline/" in f or f"/{args.main}/" in f]
        files += [os.path.join(build, v, "hybrid.pt") for v in VARIANTS
                  if v != args.main and os.path.exists(os.path.join(build, v, "hybrid.pt"))]
    tar_path = os.path.join(args.work, "checkpoints.tar")
    with tarfile.open(tar_path, "w") as t:
        for f in files + logs:
            if os.path.exists(f):
                t.add(f, arcname=os.path.relpath(f, args.work))
    with open(tar_path, "rb") as src:
        for i, chunk in enumerate(iter(lambda: src.read(15 * 2 ** 20), b"")):
            with open(os.path.join(args.out, f"checkpoints.tar.part{i:02d}"), "wb") as dst:
                dst.write(chunk)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--archive", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=float, required=True, help="seconds for everything, packing included")
    ap.add_argument("--baseline-share", type=float, default=0.4)
    ap.add_argument("--baseline-cap", type=int, default=120, help="most baseline epochs")
    ap.add_argument("--hybrid-cap", type=int, default=120, help="most epochs of each hybrid")
    ap.add_argument("--main", default="s2b3-b1", help="the variant whose checkpoint always travels in full")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--train-args", default="", help="more train.py options for every run (smoke runs: "
                                                     "'--limit-train 512 --val-size 500')")
    args = ap.parse_args()
    start = time.time()
    deadline = start + args.budget
    os.makedirs(args.out, exist_ok=True)
    logs_dir = os.path.join(args.work, "logs")
    os.makedirs(logs_dir, exist_ok=True)

    digest, n = write_cache(args.archive, os.path.join(args.work, "cache"))
    print(f"decoded {n} images in {time.time() - start:.0f}s, sha256(x)[:16] {digest}", flush=True)

    margin = 30 + 0.05 * args.budget  # process start-up, checkpoint writes, packing
    b_budget = args.baseline_share * (deadline - time.time() - margin)
    b_log = os.path.join(logs_dir, "baseline.log")
    rc = run_all([train_cmd(args, "baseline", b_budget, args.baseline_cap, [])], [b_log], deadline - margin)
    print(open(b_log).read().strip().splitlines()[-1], f"(rc {rc[0]}, {time.time() - start:.0f}s)", flush=True)
    logs = [b_log]
    if rc[0] == 0:
        h_budget = deadline - time.time() - margin
        variants = args.variants.split(",")
        cmds, hlogs = [], []
        for v in variants:
            cut, bits = v.split("-b")
            cmds.append(train_cmd(args, "hybrid", h_budget, args.hybrid_cap, ["--cut", cut, "--bits", bits]
                                  + HYBRID_RECIPE))
            hlogs.append(os.path.join(logs_dir, f"{v}.log"))
        rcs = run_all(cmds, hlogs, deadline - 15)
        logs += hlogs
        for v, log, r in zip(variants, hlogs, rcs):
            lines = open(log).read().strip().splitlines()
            print(f"{v}: rc {r}; " + " | ".join(l for l in lines if "planned" in l or l.startswith("epoch"))[-400:],
                  flush=True)
    pack(args, logs)
    with open(os.path.join(args.out, "summary.txt"), "w") as f:
        for log in logs:
            f.write(f"== {os.path.basename(log)}\n" + open(log).read())
    print(f"done in {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
