/**
 * The `process` global of the shared modules, in a worker: no environment, and stdout/stderr go to
 * the cell's output like console.log does (the worker sets the writer). `browser: true` keeps
 * TypeScript from taking the worker for Node.
 */
type Write = (name: "stdout" | "stderr", text: string) => void;

let writer: Write = () => undefined;

export function setProcessWriter(write: Write): void {
  writer = write;
}

export const process = {
  browser: true,
  env: {} as Record<string, string | undefined>,
  argv: [] as string[],
  platform: "browser",
  arch: "worker",
  version: "",
  versions: {} as Record<string, string>,
  cwd: () => "/tsfine",
  nextTick: (callback: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => callback(...args)),
  hrtime: Object.assign(
    (previous?: [number, number]) => {
      const now = performance.now();
      const seconds = Math.floor(now / 1000);
      const nanos = Math.floor((now % 1000) * 1e6);
      return previous ? [seconds - previous[0], nanos - previous[1]] : [seconds, nanos];
    },
    { bigint: () => BigInt(Math.floor(performance.now() * 1e6)) },
  ),
  stdout: { write: (text: string) => (writer("stdout", String(text)), true), isTTY: false, columns: 100 },
  stderr: { write: (text: string) => (writer("stderr", String(text)), true), isTTY: false, columns: 100 },
  on: () => process,
  off: () => process,
  once: () => process,
  emitWarning: () => undefined,
  /**
   * A page has no CPU clock. The worker's one thread is busy for the whole wall time of synchronous code,
   * so %time's "user" is the worker's wall clock (an await inside the cell counts too).
   */
  cpuUsage: (previous?: { user: number; system: number }) => {
    const user = Math.round(performance.now() * 1000);
    return previous ? { user: user - previous.user, system: 0 } : { user, system: 0 };
  },
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
};
