#!/usr/bin/env node
/**
 * Starts the real kernel (dist/kernel/kernel.js, so run `npx tsc` first) with the JavaScript
 * test interpreter: `node test/helpers/run-js-kernel.js --connection-file F`.
 */
"use strict";
const path = require("node:path");
const dist = path.resolve(__dirname, "..", "..", "dist", "kernel");
const { readConnectionFile } = require(path.join(dist, "connection.js"));
const { startKernel, attachToProcess } = require(path.join(dist, "kernel.js"));
const { createJsInterpreter } = require("./js-interpreter.js");

async function main() {
  const index = process.argv.indexOf("--connection-file");
  const info = await readConnectionFile(process.argv[index + 1]);
  const kernel = await startKernel(info, createJsInterpreter());
  kernel.comms.registerTarget("echo", (comm) => comm.onMessage((message) => comm.send({ echo: message.data })));
  attachToProcess(kernel);
  await kernel.stopped;
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`run-js-kernel: ${error.stack || error}\n`);
  process.exit(1);
});
