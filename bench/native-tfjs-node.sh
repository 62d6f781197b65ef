#!/usr/bin/env bash
# Test-environment step (never part of a user's install): builds @tensorflow/tfjs-node 4.22's
# addon against libtensorflow 2.9.1 taken from PyPI's tensorflow-cpu==2.9.1 wheel, on machines
# where tfjs-node's own install cannot download libtensorflow (only npm and PyPI reachable).
#
#   bench/native-tfjs-node.sh [DIR]      # default DIR=/tmp/tsfine-tfjs-node
#   NODE_PATH=DIR/nm:DIR/rt/node_modules:$PWD/node_modules node bench/train-speed.js
#
# The wheel has no libtensorflow.so, but its _pywrap_tensorflow_internal.so exports the whole C
# API (TF_*, TFE_*) that tfjs-node's binding calls; the binding links against it under the name
# libtensorflow.so. That library also references ~190 Python C-API symbols (its Python
# bindings); a stub library defines them so it loads in Node, and aborts if any is ever called
# (the C API never calls them). tfjs-node's JavaScript comes from the npm tarball; its
# @tensorflow/tfjs dependency is not installed, so it resolves tsfine's own copy (one tf).
set -euo pipefail
DIR=${1:-/tmp/tsfine-tfjs-node}
mkdir -p "$DIR/wheel" "$DIR/rt" "$DIR/nm/@tensorflow"
cd "$DIR"

WHEEL=$(ls wheel/tensorflow_cpu-2.9.1-*.whl 2>/dev/null | head -1 || true)
if [ -z "$WHEEL" ]; then
  python3 -m pip download tensorflow-cpu==2.9.1 --no-deps --only-binary=:all: \
    --python-version 3.10 --platform manylinux2014_x86_64 -d wheel
  WHEEL=$(ls wheel/tensorflow_cpu-2.9.1-*.whl | head -1)
fi
unzip -q -o "$WHEEL" 'tensorflow/libtensorflow_framework.so.2' 'tensorflow/python/_pywrap_tensorflow_internal.so' \
  'tensorflow/include/tensorflow/c/*' 'tensorflow/include/tensorflow/core/platform/*' -d wheel/x

if [ ! -d package ]; then
  npm pack --silent @tensorflow/tfjs-node@4.22.0 >/dev/null 2>&1
  tar xzf tensorflow-tfjs-node-4.22.0.tgz
fi
P=$DIR/package
mkdir -p "$P/deps/lib" "$P/deps/include/tensorflow"
cp -r wheel/x/tensorflow/include/tensorflow/c wheel/x/tensorflow/include/tensorflow/core "$P/deps/include/tensorflow/"
ln -sf "$DIR/wheel/x/tensorflow/python/_pywrap_tensorflow_internal.so" "$P/deps/lib/_pywrap_tensorflow_internal.so"
ln -sf _pywrap_tensorflow_internal.so "$P/deps/lib/libtensorflow.so"
ln -sf "$DIR/wheel/x/tensorflow/libtensorflow_framework.so.2" "$P/deps/lib/libtensorflow_framework.so.2"
ln -sf libtensorflow_framework.so.2 "$P/deps/lib/libtensorflow_framework.so"

# Stub for the Python C-API symbols (objects as zeroed storage, functions abort).
nm -D --undefined-only wheel/x/tensorflow/python/_pywrap_tensorflow_internal.so | awk '{print $2}' \
  | grep -E '^_?Py' | sed 's/@.*//' | sort -u \
  | awk 'BEGIN { print "#include <stdlib.h>" }
         /_Type$|^PyExc_|Struct$|^_PyRuntime$|^_Py_ctype_table$|^_Py_ascii_whitespace$|^_Py_EllipsisObject$/ { print "char " $1 "[4096];"; next }
         { print "void " $1 "(void) { abort(); }" }' > pystub.c
gcc -shared -fPIC -o "$P/deps/lib/libpystub.so" pystub.c
grep -q -- "-lpystub" "$P/binding.gyp" || sed -i "s/            '-ltensorflow_framework',/            '-ltensorflow_framework',\n            '-lpystub',/" "$P/binding.gyp"

NODE_GYP=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")/node_modules/node-gyp/bin/node-gyp.js
NODEDIR=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
(cd "$P" && node "$NODE_GYP" rebuild --nodedir="$NODEDIR" --napi_build_version=8 \
  --module_name=tfjs_binding --module_path="$P/lib/napi-v8" >"$DIR/build.log" 2>&1) \
  || { tail -20 "$DIR/build.log"; exit 1; }

# tfjs-node's runtime dependencies, without its own @tensorflow/tfjs.
(cd rt && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --ignore-scripts --no-audit --no-fund \
  @mapbox/node-pre-gyp@1.0.9 google-protobuf@3.21.4 adm-zip@0.5.16 progress@2.0.3 >/dev/null)
ln -sfn "$P" nm/@tensorflow/tfjs-node
echo "NODE_PATH=$DIR/nm:$DIR/rt/node_modules"
