# Sourced by bench/kernels.sh and bench/conformance.sh, from the repository root: installs tsfine's and the
# peers' kernelspecs into a temporary Jupyter path (removed on exit) and sets py to the test venv's Python.
# Peers come from npm (tslab 1.0.22 is a devDependency; deno 2.9.6 goes into bench/.peers) and the venv (ipykernel).
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export JUPYTER_PATH="$tmp/share/jupyter" JUPYTER_DATA_DIR="$tmp/data" JUPYTER_RUNTIME_DIR="$tmp/runtime" IPYTHONDIR="$tmp/ipython" PYDEVD_DISABLE_FILE_VALIDATION=1
py="$root/.venv/bin/python"
# tslab's kernelspec runs the bare command `tslab`: the devDependency's bin must be on PATH.
export PATH="$root/node_modules/.bin:$PATH"

node bin/tsfine.js install --prefix "$tmp" >/dev/null
# TSFINE_BASELINE=<another built checkout> adds a row for it, measured in the same run (before/after).
if [ -n "${TSFINE_BASELINE:-}" ]; then
  mkdir -p "$JUPYTER_PATH/kernels/tsfine-baseline"
  cat > "$JUPYTER_PATH/kernels/tsfine-baseline/kernel.json" <<JSON
{"argv": ["$(command -v node)", "--no-force-async-hooks-checks", "$(readlink -f "$TSFINE_BASELINE")/bin/tsfine.js", "kernel", "--connection-file", "{connection_file}"], "display_name": "tsfine (baseline)", "language": "typescript", "interrupt_mode": "message"}
JSON
fi
# Node 20 parses its whole root certificate store at launch when NODE_EXTRA_CA_CERTS is set (~100 ms here, before
# any of our code runs). Where it is set, this row runs tsfine without it (an empty value is ignored), so the table
# shows what a machine without it gets.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  mkdir -p "$JUPYTER_PATH/kernels/tsfine-no-extra-ca"
  node -e 'const spec = require(process.argv[1]); spec.display_name += " (no NODE_EXTRA_CA_CERTS)"; spec.env = { ...spec.env, NODE_EXTRA_CA_CERTS: "" }; console.log(JSON.stringify(spec))' \
    "$JUPYTER_PATH/kernels/tsfine/kernel.json" > "$JUPYTER_PATH/kernels/tsfine-no-extra-ca/kernel.json"
fi
# A first launch in a folder, or after tsfine or TypeScript changed: tsfine without the compile results kept between
# kernels (kernel/evaluator/language-result-cache.ts), so every cell waits for the type checker's first program.
mkdir -p "$JUPYTER_PATH/kernels/tsfine-no-cell-cache"
node -e 'const spec = require(process.argv[1]); spec.display_name += " (no cell cache)"; spec.env = { ...spec.env, TSFINE_CELL_CACHE: "off" }; console.log(JSON.stringify(spec))' \
  "$JUPYTER_PATH/kernels/tsfine/kernel.json" > "$JUPYTER_PATH/kernels/tsfine-no-cell-cache/kernel.json"
# The floor: tsfine's kernel layer with an interpreter that answers at once (bench/answer-at-once-kernel.js).
mkdir -p "$JUPYTER_PATH/kernels/answer-at-once"
cat > "$JUPYTER_PATH/kernels/answer-at-once/kernel.json" <<JSON
{"argv": ["$(command -v node)", "$root/bench/answer-at-once-kernel.js", "{connection_file}"], "display_name": "answer at once", "language": "typescript", "interrupt_mode": "message"}
JSON
npx --no-install tslab install --python="$py" --prefix "$tmp" >/dev/null
"$py" -m ipykernel install --prefix "$tmp" >/dev/null

if [ ! -x bench/.peers/node_modules/.bin/deno ]; then
  npm install --no-save --prefix bench/.peers deno@2.9.6 >/dev/null 2>&1 || echo "deno could not be installed; its row will say so"
fi
if [ -x bench/.peers/node_modules/.bin/deno ]; then
  deno_bin=$(readlink -f bench/.peers/node_modules/.bin/deno)
  mkdir -p "$JUPYTER_PATH/kernels/deno"
  # `deno jupyter --install` writes under $HOME; write the same spec by hand with interrupt by message.
  cat > "$JUPYTER_PATH/kernels/deno/kernel.json" <<JSON
{"argv": ["$deno_bin", "jupyter", "--kernel", "--conn", "{connection_file}"], "display_name": "Deno", "language": "typescript", "interrupt_mode": "message"}
JSON
fi
