#!/usr/bin/env bash
# npm run bench: installs the benchmark peers from Debian if missing (needs root; dev machines
# only, never a user requirement), builds latentkit, then runs the side-by-side VAE benchmark and
# the speed figures of the latent toolkit.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch libopenblas0-pthread)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "bench: missing Debian packages ${need[*]} (not root, so not installing); those peers are skipped" >&2
  fi
fi
npx tsc -p tsconfig.json
node bench/vae.mjs "$@"
# What a user waits for: `latentkit train` against the PyTorch peer as whole processes, 3 epochs of Fashion-MNIST.
node bench/e2e.mjs
# The latent toolkit: embed, report, probe, map; projections; data loading (issue 6 targets).
node bench/latent-speed.mjs
node bench/projection.mjs
node bench/data-load.mjs
