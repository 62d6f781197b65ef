/**
 * What an exported notebook (`tsfine export`) uses in place of the kernel: a `tsfine` object
 * with the same methods, and showResult for each cell's last value.
 */
import { inspect } from "util";
import * as readline from "readline";
import { registerMagic } from "./user-magics";

/** Prints a cell's last value the way the notebook shows it (nothing for undefined). */
export function showResult<T>(value: T): T {
  if (value !== undefined) console.log(typeof value === "string" ? inspect(value) : inspect(value, { depth: 4 }));
  return value;
}

export const standaloneTsfine = {
  /** Type checking happens before a script runs (tsc), not while it runs. */
  setTypecheck(_mode: "on" | "warn" | "off"): void {},
  registerMagic,
  input(prompt = ""): Promise<string> {
    const reader = readline.createInterface({ input: process.stdin, output: process.stdout });
    return new Promise((resolve) =>
      reader.question(prompt, (answer) => {
        reader.close();
        resolve(answer);
      }),
    );
  },
  /** A script has no notebook namespace to list. */
  async globalNames(): Promise<string[]> {
    return [];
  },
};
