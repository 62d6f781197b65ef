import { format } from "../shims/util";

type Stream = (name: "stdout" | "stderr", text: string) => void;

/** console.* in the worker prints into the running cell's output, as the Node kernel's console does. */
export function captureConsole(stream: Stream): void {
  const toStdout = ["log", "info", "debug"] as const;
  const toStderr = ["warn", "error", "trace"] as const;
  for (const method of toStdout) console[method] = (...args: unknown[]) => stream("stdout", `${format(...args)}\n`);
  for (const method of toStderr) console[method] = (...args: unknown[]) => stream("stderr", `${format(...args)}\n`);
}
