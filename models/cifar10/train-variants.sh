#!/usr/bin/env bash
# Trains the hybrid variants one after another (2 cores: never two trainings at once), each resumable, each with
# its log in models/cifar10/build/<variant>.log. Waits for a running baseline training to finish first.
# Usage: models/cifar10/train-variants.sh "s2b3:1:8" "s2b3:2:4" ...   (cut:bits:epochs; default: the list below)
set -euo pipefail
cd "$(dirname "$0")/../.."
variants=("$@")
if [ ${#variants[@]} -eq 0 ]; then
  # the shipped binary variant first, with more epochs; then the design-space points
  variants=("s2b3:1:8" "s2b3:2:3" "s2b3:4:3" "s1:1:3" "s3b2:1:3" "s1:4:3" "s3b2:4:3" "s1:2:3" "s3b2:2:3")
fi
while pgrep -f "models/cifar10/train.py baseline" >/dev/null; do sleep 30; done
mkdir -p models/cifar10/build
for v in "${variants[@]}"; do
  IFS=: read -r cut bits epochs <<<"$v"
  echo "$(date -u +%FT%TZ) start $cut-b$bits ($epochs epochs)"
  /usr/bin/python3 models/cifar10/train.py hybrid --cut "$cut" --bits "$bits" --epochs "$epochs" --threads 2 \
    > "models/cifar10/build/$cut-b$bits.log" 2>&1 || { echo "$cut-b$bits failed: see models/cifar10/build/$cut-b$bits.log"; exit 1; }
  echo "$(date -u +%FT%TZ) done $cut-b$bits"
done
