/**
 * The language worker: type check, transpile, completion and inspection on their own thread, so
 * that parsing megabytes of declarations never holds up the kernel's main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { CellCompiler } from "./cell-compiler";
import { completeAt } from "./completion";
import { createGarbageCollector, exposeGc } from "./garbage-collector";
import { inspectAt } from "./inspection";
import { ResultWriter } from "./language-result-cache";
import { runsAsPlainScript } from "./plain-script";
import type { FromLanguageWorker, LanguageRequest, ToLanguageWorker } from "./language-messages";
import { loadTypeScript } from "./typescript-code-cache";

const port = parentPort!;
// Before TypeScript loads: V8 accepts a code cache only with the flags it was made with, and the garbage
// collector below turns on --expose-gc.
exposeGc();
const { ts, saveCodeCache } = loadTypeScript();
const collectGarbageIfGrown = createGarbageCollector(64 * 1024 * 1024);
/** resultsFolder: where compile results are kept for later kernels (none: not kept). */
const { cwd, resultsFolder } = workerData as { cwd: string; resultsFolder?: string };
const compiler = new CellCompiler(ts, cwd);
const results = resultsFolder ? new ResultWriter(cwd, resultsFolder) : undefined;
const configNotice = compiler.service.config.notice;
if (configNotice) port.postMessage({ notice: configNotice } satisfies FromLanguageWorker);
let warmedUp = false;

function answer(request: LanguageRequest): unknown {
  switch (request.type) {
    case "compile": {
      const result = compiler.compile(request.code, request.scriptName, request.mode);
      if (request.keepAs && result.reusable) results?.remember(request.keepAs, result, compiler.service.programFiles());
      return result;
    }
    case "transpile": {
      const { js, syntaxErrors } = compiler.transpile(request.code, request.scriptName);
      return { js, syntaxErrors, plainScript: syntaxErrors.length === 0 && runsAsPlainScript(ts, js) };
    }
    case "complete":
      return completeAt(compiler.service, request.code, request.cursorPos);
    case "inspect":
      return inspectAt(compiler.service, request.code, request.cursorPos, request.detailLevel);
  }
}

port.on("message", (message: ToLanguageWorker) => {
  warmedUp = true;
  if (message.type === "commit") for (const cell of message.cells) compiler.commit(cell);
  else if (message.type === "clear") compiler.clear();
  else {
    for (const cell of message.commits ?? []) compiler.commit(cell);
    let reply: FromLanguageWorker;
    try {
      reply = { id: message.id, value: answer(message) };
    } catch (error) {
      reply = { id: message.id, error: (error as Error)?.stack ?? String(error) };
    }
    port.postMessage(reply);
    // After the reply, so the collection never delays an answer the kernel is waiting for. Completion and
    // inspection build a program for each new text too (a front end asks on every keystroke or cursor move).
    setImmediate(() => {
      // The results first: a kernel is often stopped right after its cell (a script's run, a killed kernel).
      results?.flushWhenDue();
      collectGarbageIfGrown();
      if (message.type === "compile") saveCodeCache();
    });
    warmUpWholeProgram();
  }
});

/** A first cell checked without tf's declarations leaves them to parse, before a cell needs them. */
function warmUpWholeProgram(): void {
  if (!compiler.awaitsWholeProgram) return;
  setImmediate(() => {
    if (compiler.awaitsWholeProgram) compiler.warmUp("whole");
  });
}

// Warm up only when no request is already waiting: a first cell does the same work itself.
setImmediate(() => {
  if (warmedUp) return;
  compiler.warmUp("lean");
  // TypeScript's bytecode for the next kernel, once a first check has compiled most of it (later, if a cell
  // is already waiting).
  setImmediate(() => {
    if (!warmedUp) saveCodeCache();
    warmUpWholeProgram();
  });
});
