#!/usr/bin/env bash
# The GPU check, run THERE (a lent GPU machine with no package registry), on a copy of the tracked
# files plus bench/gpu-check/.carry/ from prepare.sh:
#   1. a venv over the machine's Python (its torch / JAX with CUDA visible), keras from the carried wheels;
#   2. tl.fit with the keras engine trains the MobileNet-like model (check.js): the engine must
#      report the device it trained on, and every weight must come back changed into the tfjs model;
#   3. bench/train-speed.js --gpu: the keras engine's step beside PyTorch CUDA's, one table.
# Writes run.log, check.json and train-speed.txt to $OUT (a temp folder when OUT is unset).
#
#   bash bench/gpu-check/run.sh [--require-gpu] [--steps 20]
#   GPU_CHECK_PYTHON=/path/to/python3 bash bench/gpu-check/run.sh   # another Python than python3
#
# Without a GPU every step runs on the CPU and says so; --require-gpu makes "no CUDA device" a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
CARRY=bench/gpu-check/.carry
KERAS_PIN=keras==3.15.1
REQUIRE_GPU=
STEPS=20
while (($#)); do
  case "$1" in
    --require-gpu) REQUIRE_GPU=--require-gpu ;;
    --steps) STEPS=$2 && shift ;;
    *) echo "run.sh: unknown option $1 (known: --require-gpu, --steps N)" >&2 && exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
exec > >(tee "$OUT/run.log") 2>&1
started=$SECONDS
step() { echo; echo "== [$((SECONDS - started)) s] $*"; }
fail() { echo "FAIL: $*"; exit 1; }

step "machine"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not here"
if ! command -v node >/dev/null && [[ -f $CARRY/node.xz ]]; then
  mkdir -p /tmp/gpu-check-node/bin && xz -dc "$CARRY/node.xz" >/tmp/gpu-check-node/bin/node && chmod +x /tmp/gpu-check-node/bin/node
  export PATH=/tmp/gpu-check-node/bin:$PATH
fi
command -v node >/dev/null || fail "no node here: run prepare.sh --with-node to carry this machine's node"
PY=${GPU_CHECK_PYTHON:-python3}
echo "node $(node --version); $PY is $("$PY" -c 'import sys; print(sys.executable, sys.version.split()[0])')"

step "the tree: dist/ and node_modules/ from $CARRY"
[[ -d $CARRY/dist && -d $CARRY/node_modules && -d $CARRY/wheels ]] || fail "$CARRY is missing or incomplete: run bash bench/gpu-check/prepare.sh here before the device call, and name $CARRY in carry"
# A copy, not a link: tsfine finds its python/ folder by walking up from dist/'s real path.
[[ -e dist ]] || cp -a "$CARRY/dist" dist
[[ -e node_modules ]] || cp -a "$CARRY/node_modules" node_modules

step "python: a venv over $PY with $KERAS_PIN from the carried wheels"
VENV=${TMPDIR:-/tmp}/tsfine-gpu-check-venv
rm -rf "$VENV" "$VENV-site"
venv_install() {
  "$PY" -m venv --system-site-packages --without-pip "$VENV" || return 1
  # --system-site-packages reaches the base interpreter's packages only; when $PY is itself a venv
  # (the GPU image's python3 is), its own site-packages (torch, JAX, pip) come in through a .pth,
  # with site.addsitedir so that their own .pth files are read too.
  local venv_site
  venv_site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))') || return 1
  "$PY" -c 'import site; print("\n".join(f"import site; site.addsitedir({d!r})" for d in site.getsitepackages()))' >"$venv_site/machine-site-packages.pth"
  "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip -q || return 1
  # Only what the machine lacks installs (keras, namex, optree on the GPU image); the rest is the machine's own.
  "$VENV/bin/python" -m pip install -q --no-index --find-links "$CARRY/wheels" --no-compile "$KERAS_PIN" || return 1
  export TSFINE_PYTHON=$VENV/bin/python
}
# Without a working venv: the carried wheels of the distributions $PY lacks, into a folder on PYTHONPATH.
target_install() {
  local missing
  missing=$("$PY" - "$CARRY/wheels" <<'EOF_PY'
import importlib.metadata, pathlib, re, sys
tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
for wheel in sorted(pathlib.Path(sys.argv[1]).glob("*.whl")):
    name, _, rest = wheel.name.partition("-")
    if "-cp" in rest and f"-{tag}-" not in rest:
        continue
    try:
        importlib.metadata.distribution(re.sub(r"[-_.]+", "-", name))
    except importlib.metadata.PackageNotFoundError:
        print(wheel)
EOF_PY
  ) || return 1
  echo "   installing into $VENV-site: $(echo "$missing" | xargs -n1 basename | tr '\n' ' ')"
  # shellcheck disable=SC2086
  "$PY" -m pip install -q --no-index --no-deps --no-compile --target "$VENV-site" $missing || return 1
  export TSFINE_PYTHON=$PY PYTHONPATH=$VENV-site${PYTHONPATH:+:$PYTHONPATH}
}
# GPU_CHECK_NO_VENV=1 takes the second way at once (to test it).
{ [[ -z ${GPU_CHECK_NO_VENV:-} ]] && venv_install; } || { echo "   no venv; installing the missing wheels with --target instead" && target_install; } ||
  fail "pip could not install $KERAS_PIN from $CARRY/wheels (see above: a wheel for this Python may be missing; PYTHON_VERSIONS in prepare.sh)"
"$TSFINE_PYTHON" -m pip list 2>/dev/null | grep -E -i '^(keras|namex|optree|h5py|ml.dtypes|numpy|jax|jaxlib|torch|tensorflow) ' | sed 's/^/   /'
# JAX would otherwise take 75% of the GPU's memory at start; PyTorch's row runs after it anyway.
export XLA_PYTHON_CLIENT_PREALLOCATE=false

step "frameworks: which of JAX and PyTorch see a CUDA device"
gpu_frameworks=()
if "$TSFINE_PYTHON" -c 'import jax, sys; gpus = [d for d in jax.devices() if d.platform == "gpu"]; print("   jax", jax.__version__, gpus); sys.exit(0 if gpus else 1)' 2>/dev/null; then gpu_frameworks+=(jax); fi
if "$TSFINE_PYTHON" -c 'import torch, sys; ok = torch.cuda.is_available(); print("   torch", torch.__version__, torch.cuda.get_device_name(0) if ok else "no CUDA device"); sys.exit(0 if ok else 1)' 2>/dev/null; then gpu_frameworks+=(torch); fi
if ((${#gpu_frameworks[@]})); then
  frameworks=("${gpu_frameworks[@]}")
  echo "CUDA device seen by: ${frameworks[*]}"
else
  [[ -n $REQUIRE_GPU ]] && fail "no CUDA device found: neither JAX nor PyTorch in $PY sees one (--require-gpu)"
  echo "No CUDA device found: neither JAX nor PyTorch in $PY sees one. Going on with the CPU, to check the steps."
  # Keras on TensorFlow is the CPU's fast one (bench/README.md); else whichever the Python has.
  frameworks=()
  for framework in tensorflow jax torch; do
    if "$TSFINE_PYTHON" -c "import $framework" 2>/dev/null; then frameworks=("$framework") && break; fi
  done
  ((${#frameworks[@]})) || fail "$PY has none of tensorflow, jax, torch for Keras to run on"
fi

step "fit: tl.fit with the keras engine on ${frameworks[0]} (check.js)"
KERAS_BACKEND=${frameworks[0]} timeout 300 node bench/gpu-check/check.js $REQUIRE_GPU --out "$OUT/check.json" || fail "the keras-engine fit check failed (above)"

step "bench: train-speed.js --gpu, the keras engine on ${frameworks[*]} beside PyTorch CUDA"
keras_backends=$(IFS=,; echo "${frameworks[*]}")
timeout 300 node bench/train-speed.js --gpu --keras-backends "$keras_backends" --steps "$STEPS" | tee "$OUT/train-speed.txt"
((PIPESTATUS[0] == 0)) || fail "train-speed.js --gpu failed (above)"

step "done in $((SECONDS - started)) s; results in $OUT"
