/**
 * `tsfine kernel --connection-file F`: what Jupyter launches. Runs until shutdown_request.
 *
 * Start-up order matters: the client is already trying to connect, so the sockets start binding
 * right after the connection file is read, and only then is the rest of the kernel loaded (while
 * ZeroMQ binds and the client's next connection attempt comes). The runtime worker starts on its own
 * thread right after the bind, before the kernel and the evaluator load; the language worker as soon as
 * the interpreter is loaded; both in that wait, rather than after the first kernel_info reply.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readConnectionFile } from "../connection";
import type { Interpreter } from "../interpreter";
import type * as HistoryModule from "../history";
import { userDataDir } from "../jupyter-paths";
import type * as KernelModule from "../kernel";
import type * as RuntimeClientModule from "../evaluator/runtime-client";
import { launchingParentPid, watchLaunchingParent } from "../parent-watch";
import { bindSockets } from "../sockets";
import { parsingArgs } from "./args";

function loadInterpreter(): Interpreter {
  const evaluator = require("../evaluator") as { createInterpreter(options: { cwd: string }): Interpreter };
  return evaluator.createInterpreter({ cwd: process.cwd() });
}

/** TSFINE_HISTORY_FILE overrides where history persists; set it empty to keep history in memory. */
function historyFile(): string | undefined {
  const configured = process.env.TSFINE_HISTORY_FILE;
  if (configured !== undefined) return configured === "" ? undefined : configured;
  const { historyFileIn } = require("../history") as typeof HistoryModule; // after the bind, as the kernel is
  return historyFileIn(join(userDataDir(), "tsfine"));
}

export async function run(args: string[]): Promise<number> {
  const { values } = parsingArgs(() => parseArgs({ args, options: { "connection-file": { type: "string", short: "f" } } }));
  const file = values["connection-file"];
  if (!file) {
    process.stderr.write("usage: tsfine kernel --connection-file FILE\n");
    return 2;
  }
  const info = await readConnectionFile(file);
  const sockets = bindSockets(info);
  // The runtime worker's boot (its thread, its requires) is what a cell sent right after the first reply waits
  // for: it starts before the rest of the kernel and the evaluator load, which then happens beside it.
  (require("../evaluator/runtime-client") as typeof RuntimeClientModule).prestartRuntimeWorker({ cwd: process.cwd(), preloadBackend: true });
  const { attachToProcess, closeWithin, startKernel, CLOSE_DEADLINE_MS } = require("../kernel") as typeof KernelModule;
  const interpreter = loadInterpreter();
  // The workers boot on their own threads while ZeroMQ binds and the client's next connection attempt is
  // still to come (it retries every 100-200 ms): a notebook run at once then finds them ready sooner.
  void interpreter.start();
  const kernel = await startKernel(info, interpreter, { historyFile: historyFile(), sockets });
  attachToProcess(kernel);
  const parentPid = launchingParentPid();
  if (parentPid !== undefined) {
    watchLaunchingParent(parentPid, () => {
      try {
        process.stderr.write(`tsfine: the process that launched this kernel (pid ${parentPid}) is gone; shutting down\n`);
      } catch {
        // the launching terminal may be gone with it
      }
      closeWithin(kernel, CLOSE_DEADLINE_MS);
    });
  }
  await kernel.stopped;
  // Workers or timers left by user code must not keep a shut-down kernel alive.
  process.exit(0);
}
