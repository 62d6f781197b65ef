#!/usr/bin/env bash
# jupyter_kernel_test's conformance tests against tsfine, tslab, Deno and ipykernel: bench/conformance.py.
# Usage: bash bench/conformance.sh [tsfine tslab deno python3]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/peer-kernelspecs.sh
echo "jupyter_kernel_test $("$py" -c 'import importlib.metadata as m; print(m.version("jupyter_kernel_test"))'), $(date -u +%F)"
"$py" bench/conformance.py "$@"
