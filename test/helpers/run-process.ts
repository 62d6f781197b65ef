/**
 * Runs a command to its end without blocking the test's event loop (a kernel the command starts
 * may need it); its whole output and exit status. NO_COLOR=1 so the output compares as plain text.
 */
import { spawn } from "node:child_process";

export interface ProcessResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** env: variables set on top of this process's environment. */
export function runProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ stdout, stderr, status }));
  });
}
