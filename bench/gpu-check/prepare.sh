#!/usr/bin/env bash
# Assembles bench/gpu-check/.carry/ (git-ignored, under 64 MiB) for a GPU machine that has no
# package registry: the built dist/, the node_modules files the check and train-speed.js's GPU rows
# load from plain Node, and the keras wheel with the small dependencies such a machine may lack.
# Run here (with network to the registries), in the checkout that will be copied to the GPU machine:
#
#   bash bench/gpu-check/prepare.sh [--no-build] [--with-node]
#   (--with-node: also this machine's node binary, xz-compressed, ~23 MiB, for a machine without node 20)
#   PYTHON_VERSIONS="3.11 3.12" bash bench/gpu-check/prepare.sh   # wheels for more Pythons (default 3.12, the GPU image's)
#
# Tracing the files Node loads runs the check once here on the CPU, so the keras engine must work
# here (`npx tsfine backend install keras`, or TSFINE_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CARRY=bench/gpu-check/.carry
KERAS_PIN=keras==3.15.1
PYTHON_VERSIONS=${PYTHON_VERSIONS:-3.12}
# Already on the GPU image (bench/README.md, "Keras engine on a GPU"), and large: never carried.
MACHINE_HAS='numpy|jax|jaxlib|torch|tensorflow|scipy'

BUILD=1
WITH_NODE=
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD= ;;
    --with-node) WITH_NODE=1 ;;
    *) echo "prepare.sh: unknown option $arg (known: --no-build, --with-node)" >&2 && exit 2 ;;
  esac
done
[[ -z $BUILD ]] || npm run build >/dev/null
rm -rf "$CARRY"
mkdir -p "$CARRY/wheels"

echo "== dist/ (without type declarations and source maps)"
(cd dist && find . -name '*.js' -o -name '*.json' -o -name '*.wasm') | while read -r file; do
  mkdir -p "$CARRY/dist/$(dirname "$file")"
  cp "dist/$file" "$CARRY/dist/$file"
done

echo "== node_modules: the files Node loads for the check and the bench rows, traced on this machine"
trace=$(mktemp -d)
cat >"$trace/record.js" <<'EOF'
// Preloaded into every Node process of the trace: at exit, the files require() loaded.
const fs = require("node:fs");
process.on("exit", () => fs.appendFileSync(process.env.GPU_CHECK_TRACE, Object.keys(require.cache).join("\n") + "\n"));
EOF
GPU_CHECK_TRACE="$trace/files" NODE_OPTIONS="--require $trace/record.js" node bench/gpu-check/check.js >/dev/null
GPU_CHECK_TRACE="$trace/files" NODE_OPTIONS="--require $trace/record.js" node bench/train-speed.js --gpu --steps 1 >/dev/null 2>&1
modules=$(readlink -f node_modules)
{
  grep -F "$modules/" "$trace/files" | sed "s|^$modules/||"
  # Read with fs, not require(): tfjs-backend-wasm's binaries and every loaded package's manifest.
  (cd "$modules" && find @tensorflow/tfjs-backend-wasm/wasm-out -type f)
  grep -F "$modules/" "$trace/files" | sed "s|^$modules/||" | sed -E 's#^((@[^/]+/)?[^/]+)/.*#\1/package.json#'
} | sort -u >"$trace/keep"
while read -r file; do
  mkdir -p "$CARRY/node_modules/$(dirname "$file")"
  cp "$modules/$file" "$CARRY/node_modules/$file"
done <"$trace/keep"
echo "   $(wc -l <"$trace/keep") files from $(sed -E 's#^((@[^/]+/)?[^/]+)/.*#\1#' "$trace/keep" | sort -u | wc -l) packages"
rm -rf "$trace"

echo "== wheels: $KERAS_PIN and its dependencies for CPython $PYTHON_VERSIONS, manylinux x86_64 (without $MACHINE_HAS)"
platforms=()
for n in 17 24 27 28 31 34; do platforms+=(--platform "manylinux_2_${n}_x86_64"); done
platforms+=(--platform manylinux2014_x86_64 --platform manylinux1_x86_64)
for version in $PYTHON_VERSIONS; do
  python3 -m pip download -q --only-binary=:all: --python-version "$version" --implementation cp "${platforms[@]}" -d "$CARRY/wheels" "$KERAS_PIN"
done
find "$CARRY/wheels" -name '*.whl' | grep -E "/($MACHINE_HAS)-[0-9]" | xargs -r rm
ls -1 "$CARRY/wheels" | sed 's/^/   /'

if [[ -n $WITH_NODE ]]; then
  echo "== node $(node --version) for a machine without it (run.sh unpacks it when node is missing there)"
  xz -T2 -6 -c "$(readlink -f "$(command -v node)")" >"$CARRY/node.xz"
fi

echo "== sizes"
for part in "$CARRY"/*; do du -sh "$part"; done | sed 's/^/   /'
tracked=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
carried=$(du -sb "$CARRY" | cut -f1)
echo "   tracked files $((tracked / 1048576)) MiB + carry $((carried / 1048576)) MiB = $(((tracked + carried) / 1048576)) MiB of the 64 MiB a device call may send"
if ((tracked + carried > 64 * 1048576)); then
  echo "too large for one device call: carry fewer Python versions (PYTHON_VERSIONS)" >&2
  exit 1
fi
echo "ready: call the GPU machine with carry [\"$CARRY\"] and the command in bench/README.md (\"Keras engine on a GPU\")"
