#!/usr/bin/env bash
# Regenerates the pictures of the README tour (docs/tour/*.png) from fresh runs on the bundled
# digits. Run from the repository root after `npm run build`: bash docs/make-tour.sh
set -euo pipefail
L="node bin/latentkit.js"
R="$(mktemp -d)"
T=docs/tour
$L train --model vae --latent 2 --epochs 10 --out "$R/vae2" --quiet
$L train --model ae --latent 16 --epochs 10 --out "$R/ae16" --quiet
$L train --model cvae --epochs 10 --out "$R/cvae" --quiet --no-report
$L map "$R/ae16" --out "$T/map-umap.png"
$L map "$R/ae16" --method tsne --images --out "$T/map-tsne-images.png"
$L manifold "$R/vae2" --grid 16 --out "$T/manifold.png"
$L interpolate "$R/ae16" --pairs 3 --steps 10 --out "$T/interpolate.png"
$L traverse "$R/ae16" --top 8 --out "$T/traverse.png"
$L attribute "$R/ae16" --with label=7 --without label=1 --out "$T/attribute.png"
$L sample "$R/cvae" --n 80 --out "$T/cvae-samples.png"
$L sample "$R/ae16" --n 64 --out "$T/ae-samples-gmm.png"
$L sample "$R/ae16" --n 64 --prior normal --out "$T/ae-samples-normal.png"
$L probe "$R/ae16" --out "$T/probe.png"
$L compare "$R/vae2" "$R/ae16" "$R/cvae" --out "$T/compare.png"
cp "$R/vae2/reconstructions.png" "$T/reconstructions.png"
echo "runs kept in $R"
