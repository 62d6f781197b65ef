/**
 * A Python virtual environment that tsfine makes in its cache folder with the person's own python3
 * and pip (the keras engine's, `tsfine backend install keras`; JupyterLite's, `tsfine lite build`).
 *
 * Atomic: the environment is built in a hidden folder beside its final place (`.NAME.partial-PID`)
 * and renamed into place only once its check passes, so an interrupted install leaves nothing
 * half-made; a later install clears what a killed one left. Errors are one sentence.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Checks that `python` exists, can make virtual environments and is at least 3.`minor`; `purpose` names what needs it. */
export function checkBasePython(python: string, minor: number, purpose: string): void {
  const run = spawnSync(python, ["-c", "import sys, venv, ensurepip; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8", timeout: 60_000 });
  if (run.error && (run.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(
      `${python} was not found; install Python 3.${minor} or newer with its venv module (Debian: apt-get install python3 python3-venv) and run this again.`,
    );
  }
  if (run.status !== 0) {
    throw new Error(
      `${python} cannot make virtual environments (no venv or ensurepip module); install it (Debian: apt-get install python3-venv) and run this again.`,
    );
  }
  const [major, found] = run.stdout.trim().split(".").map(Number);
  if (major < 3 || (major === 3 && found < minor)) {
    throw new Error(`${python} is Python ${major}.${found}; ${purpose} needs 3.${minor} or newer: install one and name it with TSFINE_INSTALL_PYTHON.`);
  }
}

/** The python that makes tsfine's environments: TSFINE_INSTALL_PYTHON, or python3 from PATH. */
export function basePython(): string {
  return process.env.TSFINE_INSTALL_PYTHON || "python3";
}

export function freeMb(dir: string): number {
  let existing = dir;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const stats = fs.statfsSync(existing);
  return (stats.bavail * stats.bsize) / 2 ** 20;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the half-made environments named by `leftover` (its first group is the pid) of installs whose process is gone. */
export function clearAbandoned(cache: string, leftover: RegExp): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(cache);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = name.match(leftover);
    if (!match || processAlive(Number(match[1]))) continue;
    fs.rmSync(path.join(cache, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** The step running now (venv, pip), ended first when the install is interrupted. */
let running: ChildProcess | undefined;

function run(command: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
    running = child;
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      running = undefined;
      resolve(signal ? null : code);
    });
  });
}

export function environmentPython(dir: string): string {
  return path.join(dir, "bin", "python");
}

export interface EnvironmentPlan<T> {
  /** tsfine's cache folder, and the environment's name in it. */
  cache: string;
  name: string;
  /** The python that makes the environment (checked first with checkBasePython). */
  python: string;
  /** The arguments of each `pip install` run in the new environment, in order. */
  pipInstalls: string[][];
  /** What pip was installing, for the sentence when it fails. */
  what: string;
  /** Checks the new environment: returns what to record, or throws the sentence saying why it does not work. */
  check(python: string): T;
  /** Written into the environment last (its presence marks a complete install): file name and content. */
  marker(result: T): { file: string; content: string };
}

/**
 * Makes the environment `plan.cache/plan.name` atomically (see the module's comment): Ctrl-C or
 * a failure leaves the cache as it was. Returns what the check returned.
 */
export async function makeEnvironment<T>(plan: EnvironmentPlan<T>): Promise<T> {
  const finalDir = path.join(plan.cache, plan.name);
  fs.mkdirSync(plan.cache, { recursive: true });
  const partial = path.join(plan.cache, `.${plan.name}.partial-${process.pid}`);
  const removePartial = () => fs.rmSync(partial, { recursive: true, force: true });
  // The step running now ends first (Ctrl-C reaches it too), so nothing writes into the folder after it is removed.
  const onSignal = (signal: NodeJS.Signals) => {
    const exit = () => {
      removePartial();
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    const child = running;
    if (!child) return exit();
    child.once("exit", exit);
    child.kill("SIGTERM");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    if ((await run(plan.python, ["-m", "venv", partial])) !== 0) throw new Error(`\`${plan.python} -m venv\` failed; see its output above.`);
    const python = environmentPython(partial);
    for (const args of plan.pipInstalls) {
      const pip = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off", ...args];
      if ((await run(python, pip)) !== 0) {
        throw new Error(`pip could not install ${plan.what}; see pip's output above (network to the package index, disk space).`);
      }
    }
    const result = plan.check(python);
    const marker = plan.marker(result);
    fs.writeFileSync(path.join(partial, marker.file), marker.content);
    // A venv's bin/python finds its environment from pyvenv.cfg beside it, so it works after the rename.
    if (fs.existsSync(finalDir)) {
      const old = path.join(plan.cache, `.${plan.name}.old-${process.pid}`);
      fs.renameSync(finalDir, old);
      fs.renameSync(partial, finalDir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(partial, finalDir);
    }
    return result;
  } finally {
    removePartial();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
