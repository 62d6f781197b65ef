/** %time and %timeit at run time: wall and CPU clocks, IPython's formats. */

/** IPython's _format_time: 3 significant digits in s, ms, µs or ns; minutes past 60 s. */
export function formatTime(seconds: number, precision = 3): string {
  if (seconds >= 60) {
    const parts: string[] = [];
    let left = seconds;
    for (const [suffix, length] of [
      ["h", 3600],
      ["min", 60],
      ["s", 1],
    ] as const) {
      const value = Math.floor(left / length);
      if (value > 0) {
        parts.push(`${value}${suffix}`);
        left %= length;
      }
    }
    return parts.join(" ");
  }
  const units = ["s", "ms", "µs", "ns"];
  const order = seconds > 0 ? Math.max(0, Math.min(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 3)) : 3;
  const scaled = seconds * 1000 ** order;
  return `${Number(scaled.toPrecision(precision))} ${units[order]}`;
}

interface ClockReading {
  wall: bigint;
  cpu: NodeJS.CpuUsage;
}

function readClocks(): ClockReading {
  return { wall: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

function reportSince(start: ClockReading): void {
  const cpu = process.cpuUsage(start.cpu);
  const wall = Number(process.hrtime.bigint() - start.wall) / 1e9;
  const user = cpu.user / 1e6;
  const system = cpu.system / 1e6;
  console.log(`CPU times: user ${formatTime(user)}, sys: ${formatTime(system)}, total: ${formatTime(user + system)}\nWall time: ${formatTime(wall)}`);
}

/** Runs `code` once, prints its times, and gives back its value (or its error, after the times). */
export async function time<T>(code: () => T | Promise<T>): Promise<Awaited<T>> {
  const start = readClocks();
  try {
    return await code();
  } finally {
    reportSince(start);
  }
}

let cellTimer: ClockReading | undefined;

/** %%time: the cell's first statement. */
export function startTimer(): void {
  cellTimer = readClocks();
}

/** %%time: wraps the cell's last value (so it is still shown) after printing the times. */
export function stopTimer<T>(value?: T): T | undefined {
  if (cellTimer) reportSince(cellTimer);
  cellTimer = undefined;
  return value;
}

export interface TimeitOptions {
  /** Loops per run; chosen automatically (run ≥ 0.2 s) when absent. */
  number?: number;
  repeat?: number;
  quiet?: boolean;
  returnResult?: boolean;
}

export interface TimeitResult {
  loops: number;
  repeat: number;
  /** Seconds per loop, one entry per run. */
  timings: number[];
  average: number;
  stdev: number;
  best: number;
  worst: number;
  toString(): string;
}

/** Like IPython's Timer.autorange: 1, 2, 5, 10, 20, 50, ... loops until a run takes ≥ 0.2 s. */
async function autorange(runLoops: (loops: number) => Promise<number>): Promise<number> {
  for (let base = 1; ; base *= 10) {
    for (const factor of [1, 2, 5]) {
      const loops = base * factor;
      if ((await runLoops(loops)) >= 0.2 || loops >= 1e9) return loops;
    }
  }
}

export async function timeit(code: () => unknown, options: TimeitOptions = {}): Promise<TimeitResult | undefined> {
  const repeat = options.repeat ?? 7;
  // One call first tells whether the code is asynchronous (then every loop awaits it).
  const first = code();
  const isAsync = typeof (first as { then?: unknown } | null)?.then === "function";
  if (isAsync) await first;
  const runLoops = async (loops: number): Promise<number> => {
    const start = process.hrtime.bigint();
    if (isAsync) for (let i = 0; i < loops; i++) await code();
    else for (let i = 0; i < loops; i++) code();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const loops = options.number ?? (await autorange(runLoops));
  const timings: number[] = [];
  for (let run = 0; run < repeat; run++) timings.push((await runLoops(loops)) / loops);
  const average = timings.reduce((a, b) => a + b, 0) / timings.length;
  const stdev = Math.sqrt(timings.reduce((sum, t) => sum + (t - average) ** 2, 0) / timings.length);
  const best = Math.min(...timings);
  const worst = Math.max(...timings);
  const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
  const line = `${formatTime(average)} ± ${formatTime(stdev)} per loop (mean ± std. dev. of ${plural(repeat, "run")}, ${plural(loops, "loop")} each)`;
  if (!options.quiet) {
    if (worst > 4 * best && best > 0 && worst > 1e-6) {
      console.log(
        `The slowest run took ${(worst / best).toFixed(2)} times longer than the fastest. This could mean that an intermediate result is being cached.`,
      );
    }
    console.log(line);
  }
  if (!options.returnResult) return undefined;
  return { loops, repeat, timings, average, stdev, best, worst, toString: () => line };
}
