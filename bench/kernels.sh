#!/usr/bin/env bash
# Installs the peers' kernelspecs into a temporary Jupyter path (bench/peer-kernelspecs.sh) and runs bench/kernels.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/peer-kernelspecs.sh
echo "machine: $(nproc) cores, node $(node --version), $(date -u +%F), load average $(cut -d' ' -f1-3 /proc/loadavg)${NODE_EXTRA_CA_CERTS:+, NODE_EXTRA_CA_CERTS set (every Node process reads it at launch)}"
"$py" bench/kernels.py "$@"
