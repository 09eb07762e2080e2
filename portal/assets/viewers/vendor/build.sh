#!/bin/sh
# Rebuilds the vendored files of this folder from the npm registry. Not run by
# cargo or CI: the built files are committed. Needs node and npm.
#   sh portal/assets/viewers/vendor/build.sh [scratch dir]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
scratch=${1:-/var/tmp/strata-npm}
mkdir -p "$scratch"
cd "$scratch"
[ -f package.json ] || npm init -y >/dev/null
npm install --no-audit --no-fund zarrita@0.7.5 uplot@1.6.32 esbuild@0.28.2
echo 'export * from "zarrita";' > zarrita-entry.js
rm -rf "$here/zarrita"
# --splitting keeps each codec (blosc, zstd, lz4: WebAssembly inlined as
# base64) in a chunk of its own that zarrita imports only when an array uses it.
npx esbuild zarrita-entry.js --bundle --format=esm --splitting --minify \
  --target=es2020 --legal-comments=eof --entry-names=zarrita \
  --chunk-names='[name]-[hash]' --outdir="$here/zarrita"
cp node_modules/zarrita/LICENSE "$here/zarrita/LICENSE.zarrita"
cp node_modules/@zarrita/storage/LICENSE "$here/zarrita/LICENSE.zarrita-storage"
cp node_modules/numcodecs/LICENSE "$here/zarrita/LICENSE.numcodecs"
cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css "$here/"
cp node_modules/uplot/LICENSE "$here/LICENSE.uPlot"
