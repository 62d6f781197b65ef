#!/usr/bin/env node
/**
 * The floor under tsfine's round trips: tsfine's own kernel layer (ZeroMQ sockets, signing, the
 * protocol, busy/execute_input/result/reply/idle) with an interpreter that answers every cell with
 * "2" at once, on the main thread. bench/kernels.sh registers it as `answer-at-once`: what it
 * measures is the client, the transport and the kernel layer, not the evaluator, so the gap between
 * its row and tsfine's is all that the evaluator (type check, thread hops, V8) costs.
 * Usage (what the kernelspec runs): node bench/answer-at-once-kernel.js CONNECTION_FILE
 */
const { readConnectionFile } = require("../dist/kernel/connection");
const { startKernel } = require("../dist/kernel/kernel");

const answerAtOnce = {
  start: async () => {},
  execute: async () => ({ status: "ok", result: { "text/plain": "2" } }),
  complete: async (code, cursorPos) => ({ matches: ["floor"], cursorStart: cursorPos - 2, cursorEnd: cursorPos, metadata: {} }),
  inspect: async () => ({ found: true, data: { "text/plain": "max(...values: number[]): number" }, metadata: {} }),
  isComplete: async () => ({ status: "complete" }),
  interrupt: () => {},
  shutdown: async () => {},
  languageInfo: () => ({ name: "typescript", version: "-", mimetype: "text/typescript", file_extension: ".ts" }),
  implementationVersion: () => "0",
  banner: () => "answers at once",
};

(async () => {
  const kernel = await startKernel(await readConnectionFile(process.argv[2]), answerAtOnce, {});
  await kernel.stopped;
  process.exit(0);
})();
