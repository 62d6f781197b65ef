#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in turn, each printing its own table (see bench/README.md).
 * The kernel round-trip bench needs the Python venv (.venv, made by .ci/run) and installs its
 * peers (tslab, Deno) itself; the training bench adds Keras rows when bench/.venv exists
 * (bash bench/setup-venv.sh) and PyTorch rows when Debian's python3-torch is installed.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const benches = [
  ["training step per backend, with PyTorch and Keras", process.execPath, ["bench/train-speed.js", "--no-cpu"]],
  ["frozen-activation cache", process.execPath, ["bench/boundary-cache.js"]],
  ["PNG encoding", process.execPath, ["bench/png-encode.mjs"]],
];
if (fs.existsSync(path.join(root, ".venv/bin/python"))) {
  benches.push(["kernel round trips beside tslab, Deno and ipykernel", "bash", ["bench/kernels.sh"]]);
  benches.push(["jupyter_kernel_test conformance beside tslab, Deno and ipykernel", "bash", ["bench/conformance.sh"]]);
} else {
  console.log("kernel round trips and conformance: skipped, no .venv with jupyter_client (run .ci/run once, or see bench/README.md)");
}

let failed = 0;
for (const [title, command, args] of benches) {
  console.log(`\n=== ${title}: ${[path.basename(command), ...args].join(" ")}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.log(`(${title} exited with ${result.status ?? result.signal})`);
  }
}
process.exit(failed ? 1 : 0);
