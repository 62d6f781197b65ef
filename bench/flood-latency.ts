/**
 * Heartbeat and control latency while the kernel relays the two floods of issue 7 (a cell
 * printing 100 MB, a cell sending 10 000 display updates), measured from a thread of the
 * client's own (test/reliability/monitor.ts). Prints one line per flood and round, with the
 * load average, so figures from a loaded machine can be told apart.
 *
 *   npx tsc -p tsconfig.json && npx tsx bench/flood-latency.ts [rounds]
 */
import * as os from "node:os";
import { KernelClient } from "../kernel/client";
import { MonitorStats, ResponsivenessMonitor } from "../test/reliability/monitor";

const FLOODS: Record<string, string> = {
  "100 MB print": "const chunk = 'z'.repeat(1024 * 1024 - 1) + '\\n'; for (let i = 0; i < 100; i++) process.stdout.write(chunk);",
  "10 000 updates": "const out = display.live('start'); for (let i = 1; i <= 10000; i++) out.update(`update ${i}`);",
};

const ms = (value: number) => value.toFixed(1).padStart(6);
const describe = (s: MonitorStats) =>
  `heartbeat worst ${ms(s.heartbeat.worstMs)} p99 ${ms(s.heartbeat.p99Ms)} missed ${s.heartbeat.missed} | control worst ${ms(s.control.worstMs)} p99 ${ms(s.control.p99Ms)} missed ${s.control.missed} (n=${s.control.count})`;

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const client = await KernelClient.launch({ stdio: "inherit", startupTimeoutMs: 60_000 });
  const monitor = new ResponsivenessMonitor(client.info);
  try {
    await client.execute("1");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await monitor.read(true);
    for (let round = 1; round <= rounds; round++) {
      for (const [name, code] of Object.entries(FLOODS)) {
        const wrapped = `{ ${code} }`;
        const started = performance.now();
        await monitor.read(true);
        const result = await client.execute(wrapped, { timeoutMs: 300_000 });
        const elapsed = performance.now() - started;
        const during = (await monitor.read(true)).window;
        const messages = result.outputs.length;
        const load = os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ");
        console.log(`round ${round} ${name.padEnd(15)} ${(elapsed / 1000).toFixed(1)} s, ${messages} msgs | ${describe(during)} | load ${load}`);
      }
    }
  } finally {
    await monitor.stop();
    await client.shutdown(false).catch(() => undefined);
    await client.close();
  }
}

void main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
