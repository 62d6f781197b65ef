/**
 * `tl.engine.describe()` and `%engine`: which engines can run tl.fit's steps here, on which
 * framework and devices, why that Python, and when the keras engine is worth picking.
 */
import { escapeHtml } from "../../display/html";
import { fitEngineNames } from "../fit/engines";
import { findInterpreter, kerasProcess, NOT_INSTALLED } from "./keras/process";
import type { EngineInfo } from "./keras/session";

export interface EngineDescription {
  /** fit's default engine. */
  default: string;
  /** Every registered engine. */
  engines: string[];
  keras: {
    available: boolean;
    /** Why this interpreter, or what to do to get one. */
    why: string;
    python?: string;
    info?: EngineInfo;
    /** The engine answered with an error (it is installed but does not start). */
    error?: string;
  };
  /** One sentence: which engine to pick here and why. */
  advice: string;
  toMimeBundle(): { "text/plain": string; "text/html": string };
}

function advise(keras: EngineDescription["keras"]): string {
  if (!keras.available)
    return `tfjs trains here; ${NOT_INSTALLED.replace(/^The keras engine is not installed: run/, "for Keras 3's compiled step, run").replace(/, then run this again\.$/, ".")}`;
  if (keras.error) return `tfjs trains here; the keras engine is installed but does not start (${keras.error}).`;
  const gpus = keras.info?.devices.filter((d) => d.startsWith("GPU")) ?? [];
  if (gpus.length > 0) return `The keras engine sees ${gpus.join(", ")}: train with { engine: "keras" } (or %fit … --engine keras); tfjs stays the default.`;
  return `The keras engine runs on the CPU here; { engine: "keras" } trains with TensorFlow's compiled step (see bench/train-speed.js for this machine's figures), tfjs stays the default.`;
}

function plain(d: Omit<EngineDescription, "toMimeBundle">): string {
  const lines = [`engine: ${d.default} (tl.fit's default; engines: ${d.engines.join(", ")})`];
  const k = d.keras;
  if (k.info)
    lines.push(
      `  ✓ keras: Keras ${k.info.keras} on ${k.info.framework} ${k.info.frameworkVersion}, devices ${k.info.devices.join(", ")}; ${k.python} (${k.why})`,
    );
  else lines.push(`  ✗ keras: ${k.error ?? k.why}`);
  lines.push(d.advice);
  return lines.join("\n");
}

function html(d: Omit<EngineDescription, "toMimeBundle">): string {
  const code = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, "<code>$1</code>");
  const k = d.keras;
  const kerasRow = k.info
    ? `<tr><td>✓</td><td><code>keras</code></td><td>Keras ${escapeHtml(k.info.keras)} on ${escapeHtml(k.info.framework)} ${escapeHtml(k.info.frameworkVersion)}</td><td>${escapeHtml(k.info.devices.join(", "))}</td><td>${escapeHtml(`${k.python} (${k.why})`)}</td></tr>`
    : `<tr><td>✗</td><td><code>keras</code></td><td colspan="3">${code(k.error ?? k.why)}</td></tr>`;
  return (
    `<div class="tsfine-engine"><p>Engine: <b>${escapeHtml(d.default)}</b> (tl.fit's default)</p>` +
    `<table><thead><tr><th></th><th>engine</th><th>framework</th><th>devices</th><th>why</th></tr></thead><tbody>` +
    `<tr><td>✓</td><td><code>tfjs</code></td><td>TensorFlow.js in the kernel</td><td>the tf backend (%backend)</td><td>the default</td></tr>${kerasRow}</tbody></table>` +
    `<p>${code(d.advice)}</p></div>`
  );
}

/** Starts the keras engine's process when it is installed (to ask it for its devices). */
export async function describe(): Promise<EngineDescription> {
  const interpreter = findInterpreter();
  const keras: EngineDescription["keras"] = interpreter
    ? { available: true, why: interpreter.why, python: interpreter.python }
    : { available: false, why: NOT_INSTALLED };
  if (interpreter) {
    try {
      keras.info = (await kerasProcess().request("hello")) as unknown as EngineInfo;
    } catch (error) {
      keras.error = (error as Error).message;
    }
  }
  const data = { default: "tfjs", engines: fitEngineNames(), keras, advice: advise(keras) };
  return { ...data, toMimeBundle: () => ({ "text/plain": plain(data), "text/html": html(data) }) };
}

export const engine = { describe, names: fitEngineNames };
