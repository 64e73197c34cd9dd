#!/usr/bin/env bash
# Consumer install test (issue 10, "clean output"): installs latentkit the way a new user
# would, from the `npm pack` tarball into an empty project, without network:
# - onnxruntime-node's postinstall would download a CUDA add-on from NuGet; the README's
#   one-liner skips it: ONNXRUNTIME_NODE_INSTALL=skip (read by its script/install-utils.js);
# - `--prefer-offline` takes every package the local npm cache holds from there, without
#   revalidating it; only what the cache lacks comes from the registry.
# Then the installed CLI runs (`--help`, a 1-epoch train) and the library is imported and trains.
# Usage: .ci/consumer-install.sh   (from anywhere; about a minute, most of it `npm pack`'s prepare build)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/latentkit-consumer-XXXXXX")
trap 'rm -rf "$work"' EXIT

# `npm pack` runs `prepare` (the build), so the tarball holds a fresh dist/.
npm pack --pack-destination "$work" --no-audit --no-fund >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; exit 1; }
tarball=$(ls "$work"/latentkit-*.tgz)

mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
ONNXRUNTIME_NODE_INSTALL=skip npm install --prefer-offline --no-audit --no-fund "$tarball"

# No CUDA add-on was fetched: only the bundled CPU binaries are there.
addon=node_modules/onnxruntime-node/bin/napi-v6/linux/x64
if [ -d "$addon" ] && ls "$addon" | grep -q cuda; then
  echo "consumer-install: onnxruntime-node downloaded its CUDA add-on: $(ls "$addon")" >&2
  exit 1
fi

npx --no-install latentkit --help | grep -q '^Usage: latentkit'
npx --no-install latentkit train --epochs 1 --limit 256 --hidden 16 --latent 2 --threads 1 --no-report --quiet --out cli-run
test -s cli-run/checkpoint.safetensors

node --input-type=module -e "
const lk = await import('latentkit');
const { version } = JSON.parse((await import('node:fs')).readFileSync('node_modules/latentkit/package.json', 'utf8'));
if (lk.VERSION !== version) throw new Error('VERSION ' + lk.VERSION + ' != package ' + version);
const s = await lk.trainRun({ model: { family: 'vae', hidden: [16], latent: 2 }, train: { epochs: 1 }, data: { spec: 'mnist', limit: 256 }, out: 'lib-run', threads: 1, report: false });
if (!(s.epochs === 1 && Number.isFinite(s.test.loss))) throw new Error('unexpected summary ' + JSON.stringify(s));
console.log('consumer-install: ok (latentkit ' + version + ', test loss ' + s.test.loss.toFixed(2) + ')');
"
