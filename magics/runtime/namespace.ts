/** %who, %whos, %reset at run time: the notebook's variables by name. */
import { inspect } from "util";

/**
 * A notebook variable's value. `let`/`const` cells declare live in the global lexical scope,
 * not on globalThis; an indirect eval reads them from there.
 */
export function lookupGlobal(name: string): { found: boolean; value?: unknown } {
  if (Object.prototype.hasOwnProperty.call(globalThis, name)) return { found: true, value: (globalThis as Record<string, unknown>)[name] };
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return { found: false };
  try {
    return { found: true, value: (0, eval)(name) };
  } catch {
    return { found: false };
  }
}

/** What the kernel preloads is not the user's; names starting with _ are hidden, as in IPython. */
const preloaded = new Set(["tf", "tl", "display", "plot", "widgets", "tsfine"]);

export function userNames(names: string[]): string[] {
  return [...new Set(names)].filter((name) => !preloaded.has(name) && !name.startsWith("_")).sort();
}

export function who(names: string[]): void {
  const sorted = userNames(names);
  console.log(sorted.length ? sorted.join("\t") : "Interactive namespace is empty.");
}

interface TensorLike {
  shape: number[];
  dtype: string;
}

function isTensor(value: unknown): value is TensorLike {
  const candidate = value as TensorLike | null;
  return typeof candidate === "object" && candidate !== null && Array.isArray(candidate.shape) && typeof candidate.dtype === "string";
}

function isModel(value: unknown): value is { layers: unknown[]; countParams(): number } {
  const candidate = value as { layers?: unknown; countParams?: unknown } | null;
  return typeof candidate === "object" && candidate !== null && Array.isArray(candidate.layers) && typeof candidate.countParams === "function";
}

function shorten(text: string, limit = 60): string {
  const oneLine = text.replace(/\s+/g, " ");
  return oneLine.length > limit ? `${oneLine.slice(0, limit - 1)}…` : oneLine;
}

/** [type, short description] as %whos shows them. */
export function describeValue(value: unknown): [string, string] {
  if (value === null) return ["null", "null"];
  if (isTensor(value)) return ["Tensor", `shape [${value.shape.join(", ")}], ${value.dtype}`];
  if (isModel(value)) {
    let params = "";
    try {
      params = `, ${value.countParams().toLocaleString("en-US")} params`;
    } catch {
      // A model that is not built yet has no parameter count.
    }
    return [value.constructor?.name ?? "Model", `${value.layers.length} layers${params}`];
  }
  if (typeof value === "function") {
    const isClass = /^class\b/.test(Function.prototype.toString.call(value));
    return [isClass ? "class" : "function", `${value.name || "(anonymous)"}${isClass ? "" : `(${value.length} args)`}`];
  }
  if (typeof value !== "object") return [typeof value, shorten(inspect(value))];
  if (Array.isArray(value)) return ["Array", `length ${value.length}: ${shorten(inspect(value, { depth: 0, breakLength: Infinity }), 48)}`];
  const type = (value as object).constructor?.name ?? "Object";
  return [type, shorten(inspect(value, { depth: 0, breakLength: Infinity }))];
}

export function whos(names: string[]): void {
  const rows = userNames(names).flatMap((name) => {
    const found = lookupGlobal(name);
    return found.found ? [[name, ...describeValue(found.value)]] : [];
  });
  if (!rows.length) {
    console.log("Interactive namespace is empty.");
    return;
  }
  const header = ["Variable", "Type", "Data/Info"];
  const widths = [0, 1].map((column) => Math.max(header[column].length, ...rows.map((row) => row[column].length)) + 3);
  const format = (row: string[]) => `${row[0].padEnd(widths[0])}${row[1].padEnd(widths[1])}${row[2]}`;
  const lines = [format(header), "-".repeat(widths[0] + widths[1] + 12), ...rows.map(format)];
  console.log(lines.join("\n"));
}

/** Deletes the notebook's variables where JavaScript allows it; const declarations can only be redeclared. */
export async function reset(names: string[]): Promise<void> {
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const name of userNames(names)) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    if (descriptor?.configurable) {
      delete (globalThis as Record<string, unknown>)[name];
      deleted.push(name);
      continue;
    }
    try {
      (0, eval)(`${name} = undefined`);
      deleted.push(name);
    } catch {
      kept.push(name);
    }
  }
  const lines = [`Cleared ${deleted.length} variable${deleted.length === 1 ? "" : "s"}.`];
  if (kept.length) lines.push(`Kept ${kept.join(", ")}: const declarations last until the kernel restarts, but each can be declared again.`);
  console.log(lines.join(" "));
}
