/**
 * Picks the fastest backend that works here: native TensorFlow with a GPU → WebGPU on a real
 * GPU → native TensorFlow on the CPU → wasm → cpu, recording why each faster one was not taken.
 */
import { Candidate, candidateNames, candidates, findCandidate } from "./candidates";
import { recordAttempt, selection } from "./state";
import { firstLine, tf } from "./tf";

async function activate(candidate: Candidate, allowCpuAdapter: boolean): Promise<{ ok: boolean; why: string }> {
  let prepared;
  try {
    prepared = await candidate.prepare({ allowCpuAdapter });
  } catch (error) {
    prepared = { ok: false, why: firstLine((error as Error).message) };
  }
  if (!prepared.ok) return prepared;
  try {
    // setBackend resolves false (and logs) when the backend's factory throws.
    const switched = await tf.setBackend(candidate.backendName);
    if (!switched) return { ok: false, why: `${prepared.why}, but it failed to initialise` };
    // Any op before ready() throws once wasm is registered, so always wait for it.
    await tf.ready();
    const refused = candidate.verify?.();
    if (refused) return { ok: false, why: refused };
    return prepared;
  } catch (error) {
    return { ok: false, why: `${prepared.why}, but it failed to initialise: ${firstLine((error as Error).message)}` };
  }
}

export interface InitOptions {
  /** Re-run the selection even if init() already ran. */
  force?: boolean;
}

/**
 * Initialises the best available backend (or `preferred` first, if given) and returns its name.
 * Safe to call repeatedly: later calls return the current backend unless `force` is set.
 */
export async function init(preferred?: string, options: InitOptions = {}): Promise<string> {
  if (selection.initialised && !options.force && preferred === undefined) return tf.getBackend();
  selection.attempts = [];
  const order = [...candidates];
  if (preferred !== undefined) {
    const wanted = findCandidate(preferred);
    if (!wanted) throw new Error(`Unknown backend "${preferred}"; choose one of ${candidateNames().join(", ")}.`);
    order.splice(order.indexOf(wanted), 1);
    order.unshift(wanted);
  }
  for (const candidate of order) {
    const explicitlyAsked = preferred !== undefined && candidate === order[0];
    const result = await activate(candidate, explicitlyAsked);
    recordAttempt({ backend: candidate.id, ok: result.ok, why: result.why });
    if (result.ok) {
      selection.initialised = true;
      return tf.getBackend();
    }
  }
  throw new Error("No TensorFlow.js backend could start, not even cpu; see tl.backend.describe().");
}

/** Switches to a named backend (gpu, webgpu, node, wasm, cpu); throws one clear sentence if it cannot. */
export async function use(name: string): Promise<string> {
  const candidate = findCandidate(name);
  if (!candidate) {
    throw new Error(`Unknown backend "${name}"; choose one of ${candidateNames().join(", ")}.`);
  }
  const result =
    tf.findBackendFactory(candidate.backendName) != null && tf.findBackend(candidate.backendName) != null
      ? await switchRegistered(candidate.backendName)
      : await activate(candidate, true);
  recordAttempt({ backend: candidate.id, ok: result.ok, why: result.why });
  if (!result.ok) {
    const remedy = candidate.remedy ? ` ${candidate.remedy}.` : "";
    throw new Error(`Cannot switch to ${candidate.id}: ${result.why}.${remedy}`);
  }
  selection.initialised = true;
  return tf.getBackend();
}

async function switchRegistered(backendName: string): Promise<{ ok: boolean; why: string }> {
  const switched = await tf.setBackend(backendName);
  if (!switched) return { ok: false, why: `${backendName} failed to initialise` };
  await tf.ready();
  return { ok: true, why: `switched to ${backendName}` };
}
