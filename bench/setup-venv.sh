#!/usr/bin/env bash
# Creates bench/.venv with the pinned reference engines from PyPI (bench/requirements.txt):
# tensorflow-cpu with Keras 3 for bench/keras_step.py. About 600 MB, 2-3 minutes here.
# PyTorch stays Debian's python3-torch under /usr/bin/python3: PyPI's Linux torch wheels are
# CUDA builds that pull ~3 GB of NVIDIA libraries.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -c "import tensorflow as tf, keras; print('bench/.venv: TensorFlow', tf.__version__, 'Keras', keras.__version__)"
