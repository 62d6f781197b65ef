/** Debian's chromium as the real-browser tests drive it (through playwright-core). */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

/** Headless and offline: no GPU, no sandbox (tests run as root in CI), no background traffic or first-run pages. */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A suite that needs chromium: skipped where it is missing, except in CI, where launchChromium then fails. */
export const describeInBrowser = hasChromium || process.env.CI ? describe : describe.skip;

/** Starts chromium (with `extraArgs` after the usual ones); a missing browser is one sentence saying how to install it. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!hasChromium) throw new Error(`${CHROMIUM} is missing; CI must install chromium (apt-get install chromium).`);
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
