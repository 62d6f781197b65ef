/** %%sh, %%bash and %npm at run time: child processes whose output streams as it comes. */
import { ChildProcess, spawn } from "child_process";
import { userError } from "./user-error";

const running = new Set<ChildProcess>();

/** onStdout: where the command's standard output goes (streamed to the cell's stdout unless given). */
function run(
  command: string,
  args: string[],
  describe: (status: number) => string,
  onStdout = (chunk: Buffer) => void process.stdout.write(chunk),
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its own process group, so an interrupt stops the commands it started too.
    const child = spawn(command, args, { cwd: process.cwd(), env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    running.add(child);
    child.stdout!.on("data", onStdout);
    child.stderr!.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.on("error", (error) => {
      running.delete(child);
      reject(userError(`Could not start ${command}: ${error.message}`));
    });
    child.on("close", (status, signal) => {
      running.delete(child);
      if (signal) reject(userError(`Command was stopped by ${signal}`));
      else if (status !== 0) reject(userError(describe(status ?? 1)));
      else resolve();
    });
  });
}

/** Runs a script with sh or bash; a non-zero exit becomes an Error. */
export function sh(script: string, options: { shell?: "sh" | "bash" } = {}): Promise<void> {
  return run(options.shell ?? "sh", ["-c", script], (status) => `Command exited with status ${status}`);
}

/** Runs a command with sh and returns its standard output as lines (%sx); stderr still streams, a non-zero exit is an Error. */
export async function shLines(script: string): Promise<string[]> {
  const chunks: Buffer[] = [];
  await run(
    "sh",
    ["-c", script],
    (status) => `Command exited with status ${status}`,
    (chunk) => void chunks.push(chunk),
  );
  const text = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  return text === "" ? [] : text.split(/\r?\n/);
}

/** `npm ARGS...` in the working directory (the notebook's folder). */
export async function npm(args: string[]): Promise<void> {
  const quiet = args[0] === "ls" ? [] : ["--no-fund", "--no-audit"];
  await run("npm", [...args, ...quiet], (status) => `npm ${args[0]} exited with status ${status}; its output above says why`);
}

/** Stops every command still running (the evaluator calls this on interrupt). Returns how many. */
export function killChildren(signal: NodeJS.Signals = "SIGTERM"): number {
  let count = 0;
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
      else child.kill(signal);
      count++;
    } catch {
      child.kill(signal);
    }
  }
  return count;
}
