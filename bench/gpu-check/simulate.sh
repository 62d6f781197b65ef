#!/usr/bin/env bash
# Runs the GPU check here, on the CPU, the way the GPU machine receives it: the tracked files and
# bench/gpu-check/.carry/ copied into an empty folder (no node_modules, no dist/, no NODE_PATH), and
# a "machine Python" that has a framework but not keras, namex or optree (what the GPU image lacks),
# so run.sh must install them from the carried wheels.
#
#   PYTHON_VERSIONS="3.11 3.12" bash bench/gpu-check/prepare.sh   # this machine's Python is 3.11
#   bash bench/gpu-check/simulate.sh [run.sh options]
#
# The machine Python: a venv over python3 whose site-packages links every package of the keras
# engine's TensorFlow environment ($XDG_CACHE_HOME/tsfine/keras-tensorflow) except those three.
set -euo pipefail
cd "$(dirname "$0")/../.."
source_env=${KERAS_ENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tsfine/keras-tensorflow}
[[ -x $source_env/bin/python ]] || { echo "no keras engine environment at $source_env (npx tsfine backend install keras)" >&2; exit 1; }
[[ -d bench/gpu-check/.carry ]] || { echo "run bench/gpu-check/prepare.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

machine=$work/machine-python
python3 -m venv --without-pip "$machine"
machine_site=$("$machine/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
source_site=$("$source_env/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
for entry in "$source_site"/*; do
  case "$(basename "$entry")" in keras | keras-* | namex | namex-* | optree | optree-*) continue ;; esac
  ln -s "$entry" "$machine_site/"
done
"$machine/bin/python" -c 'import keras' 2>/dev/null && { echo "the machine Python must not have keras" >&2; exit 1; }

copy=$work/repo
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$copy"
cp -a bench/gpu-check/.carry "$copy/bench/gpu-check/.carry"
echo "simulated device copy: $copy ($(du -sh "$copy" | cut -f1)); machine Python: $machine/bin/python"
(cd "$copy" && env -u NODE_PATH -u TSFINE_PYTHON -u KERAS_BACKEND GPU_CHECK_PYTHON="$machine/bin/python" OUT="${OUT:-$(mktemp -d)}" bash bench/gpu-check/run.sh "$@")
