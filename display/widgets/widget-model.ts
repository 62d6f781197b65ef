/**
 * The kernel side of one Jupyter widget (widget messaging protocol 2.x, as ipywidgets 8 speaks
 * it): its state, the comm that mirrors it in the front end, observers, and the front end's
 * messages (update, request_state, custom) applied with an echo_update reply.
 */
import { randomUUID } from "node:crypto";
import { mimeBundleSymbol } from "../protocol";
import type { MimeBundle } from "../types";
import { putBuffers, removeBuffers } from "./buffers";
import { bindCallback } from "./callback-binding";
import { widgetsState, type CommData } from "./comm-link";
import { checkLike, unknownOption, WidgetOptionError, type Coerce } from "./options";

export const PROTOCOL_VERSION = "2.1.0";
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";
export const COMM_TARGET = "jupyter.widget";

export interface ModuleRef {
  module: string;
  version: string;
}

export const CONTROLS: ModuleRef = { module: "@jupyter-widgets/controls", version: "2.0.0" };
export const BASE: ModuleRef = { module: "@jupyter-widgets/base", version: "2.0.0" };
export const OUTPUT: ModuleRef = { module: "@jupyter-widgets/output", version: "1.0.0" };

/** What a widget class is: the front end's model and view, its state's defaults and checks. */
export interface WidgetSpec<S extends object> {
  className: string;
  model: string;
  modelModule?: ModuleRef;
  /** null: no view (layout, style, links). */
  view: string | null;
  viewModule?: ModuleRef;
  defaults: () => S;
  /** Checks that differ from what the default implies (integers, enumerations, widget references). */
  checks?: Partial<Record<keyof S & string, Coerce>>;
  /** Keys the front end may change without being echoed back (large values such as uploaded files). */
  noEcho?: Array<keyof S & string>;
  /** Keys a cell may not pass as options (derived ones such as a dropdown's labels). */
  internal?: Array<keyof S & string>;
  /** Values made per widget when the cell passed none (its layout and style, which are widgets themselves). */
  make?: Partial<Record<keyof S & string, () => unknown>>;
}

/** A spec with its keys as plain strings: what a model keeps of its class's spec (so models of all classes share one type). */
interface LooseSpec extends Omit<WidgetSpec<object>, "checks" | "noEcho" | "internal" | "make"> {
  checks?: Record<string, Coerce>;
  noEcho?: string[];
  internal?: string[];
  make?: Record<string, () => unknown>;
}

export interface Change<T = unknown> {
  name: string;
  old: T;
  new: T;
  owner: WidgetModel;
  type: "change";
}

export type Observer<T = unknown> = (change: Change<T>) => unknown;

/** Failures of callbacks run for one front-end message; the kernel shows them as error outputs. */
export type Failures = unknown[];

const IPY_MODEL = "IPY_MODEL_";

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => same(item, b[i]));
  return false;
}

/** JSON for the front end: widgets become "IPY_MODEL_<id>" references; binary values stay for removeBuffers. */
function serialize(value: unknown): unknown {
  if (value instanceof WidgetModel) return IPY_MODEL + value.modelId;
  if (value instanceof Uint8Array || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (Array.isArray(value)) return value.map(serialize);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, serialize(v)]));
  return value;
}

/** A front-end value: "IPY_MODEL_<id>" references become the widgets they name. */
function deserialize(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(IPY_MODEL)) return widgetsState().models.get(value.slice(IPY_MODEL.length)) ?? value;
  if (Array.isArray(value)) return value.map(deserialize);
  return value;
}

/** Runs callbacks, collecting what they throw or reject with; an async callback is awaited. */
export async function runCallbacks(calls: Array<() => unknown>, failures: Failures): Promise<void> {
  for (const call of calls) {
    try {
      await call();
    } catch (error) {
      failures.push(error);
    }
  }
}

export abstract class WidgetModel<S extends object = object> {
  readonly modelId: string = randomUUID().replace(/-/g, "");
  private readonly values: Record<string, unknown>;
  /** callback: as registered (unobserve finds it); run: bound to where its output goes (callback-binding.ts). */
  private readonly observers: Array<{ names: Set<string> | undefined; callback: Observer; run: Observer }> = [];
  private readonly customHandlers: Array<(content: unknown, buffers: Uint8Array[]) => unknown> = [];
  /** Keys being applied from the front end, with the value it sent: setting one to that value sends nothing back. */
  private locked: Map<string, unknown> | undefined;
  /** Failures of callbacks started while a front-end message is applied (reported with it). */
  private failures: Failures | undefined;
  private pendingCallbacks: Promise<void>[] | undefined;
  private commOpen = false;
  closed = false;

  /** preset: state a subclass worked out itself (a dropdown's labels), taken as given. */
  private readonly spec: LooseSpec;

  protected constructor(spec: WidgetSpec<S>, options: object | undefined, preset: Partial<S> = {}) {
    this.spec = spec as unknown as LooseSpec;
    const defaults = spec.defaults() as Record<string, unknown>;
    this.values = { ...defaults, ...preset };
    if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options)))
      throw new WidgetOptionError(`${spec.className} takes an options object such as { value: 1 }; it got ${JSON.stringify(options)}.`);
    const known = this.optionNames();
    for (const [key, value] of Object.entries(options ?? {})) {
      if (value === undefined) continue;
      if (!known.includes(key)) throw unknownOption(spec.className, key, known);
      this.values[key] = this.check(key, value);
    }
    for (const [key, make] of Object.entries(this.spec.make ?? {})) {
      if (this.values[key] === null || this.values[key] === undefined) this.values[key] = make();
    }
    this.open();
  }

  /** The option names a cell may pass (the state keys that are not protocol or derived ones). */
  optionNames(): string[] {
    const internal = new Set<string>(this.spec.internal ?? []);
    return Object.keys(this.spec.defaults()).filter((key) => !key.startsWith("_") && !internal.has(key));
  }

  get className(): string {
    return this.spec.className;
  }

  /** One state value. */
  get<K extends keyof S & string>(key: K): S[K] {
    return this.values[key] as S[K];
  }

  /** Sets state values (checked), sends one update with those that changed, then runs their observers. */
  set(patch: Partial<S>): void {
    const changes: Change[] = [];
    for (const [key, raw] of Object.entries(patch)) {
      if (!(key in this.values)) throw unknownOption(this.spec.className, key, this.optionNames());
      const value = this.check(key, raw);
      const old = this.values[key];
      if (same(old, value)) continue;
      this.values[key] = value;
      changes.push({ name: key, old, new: value, owner: this as WidgetModel, type: "change" });
    }
    const toSend = changes.map((c) => c.name).filter((key) => !(this.locked?.has(key) && same(this.locked.get(key), this.values[key])));
    if (toSend.length > 0) this.sendState(toSend);
    this.notify(changes);
  }

  /**
   * Calls `callback({ name, old, new })` when a state value changes, from a cell or the front end;
   * `names`: only these keys (all when omitted). Returns a function that removes the observer.
   */
  observe<K extends keyof S & string>(callback: Observer<S[K]>, names: K): () => void;
  observe(callback: Observer, names?: string | string[]): () => void;
  observe(callback: Observer<never>, names?: string | string[]): () => void {
    const keys = names === undefined ? undefined : new Set(typeof names === "string" ? [names] : names);
    const entry = { names: keys, callback: callback as Observer, run: bindCallback(callback as Observer) };
    this.observers.push(entry);
    return () => this.unobserve(callback);
  }

  unobserve(callback: Observer<never>): void {
    const index = this.observers.findIndex((entry) => entry.callback === callback);
    if (index >= 0) this.observers.splice(index, 1);
  }

  /** A custom message to the front end (what anywidget and Button clicks use). */
  send(content: unknown, buffers: Uint8Array[] = []): void {
    this.commSend({ method: "custom", content }, buffers);
  }

  /** Handles the front end's custom messages. */
  onCustomMessage(handler: (content: unknown, buffers: Uint8Array[]) => unknown): void {
    this.customHandlers.push(bindCallback(handler));
  }

  /** Closes the widget's comm: the front end removes its views. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    widgetsState().models.delete(this.modelId);
    if (this.commOpen) widgetsState().link?.close(this.modelId);
    this.commOpen = false;
  }

  /** The state as the front end sees it (references as "IPY_MODEL_<id>", binary values inline). */
  serializedState(keys: string[] = Object.keys(this.values)): Record<string, unknown> {
    return Object.fromEntries(keys.map((key) => [key, serialize(this.values[key])]));
  }

  /** ipywidgets' repr: the class and the options that differ from their defaults. */
  toString(): string {
    const defaults = this.spec.defaults() as Record<string, unknown>;
    // value first and description last, as a reader looks for them
    const names = this.optionNames();
    const ordered = [
      ...names.filter((key) => key === "value"),
      ...names.filter((key) => key !== "value" && key !== "description"),
      ...names.filter((key) => key === "description"),
    ];
    const shown = ordered
      .filter((key) => key === "value" || !same(serialize(defaults[key]), serialize(this.values[key])))
      .filter((key) => key !== "layout" && key !== "style")
      .map((key) => `${key}=${this.describeOption(key)}`);
    return `${this.spec.className}(${shown.join(", ")})`;
  }

  protected describeOption(key: string): string {
    const value = this.values[key];
    if (value instanceof WidgetModel) return value.toString();
    if (Array.isArray(value) && value.some((item) => item instanceof WidgetModel)) return `[${value.map(String).join(", ")}]`;
    if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
    return JSON.stringify(value) ?? String(value);
  }

  [mimeBundleSymbol](): MimeBundle {
    if (this.spec.view === null) return { "text/plain": this.toString() };
    return {
      [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.modelId },
      "text/plain": this.toString(),
    };
  }

  /** @internal A front-end message on this widget's comm; resolves with the failures of the callbacks it ran. */
  async receive(data: CommData, buffers: Uint8Array[], replyTo?: number): Promise<Failures> {
    const failures: Failures = [];
    const pending: Promise<void>[] = [];
    this.failures = failures;
    this.pendingCallbacks = pending;
    try {
      if (data.method === "update" && typeof data.state === "object" && data.state !== null) {
        const state = { ...(data.state as Record<string, unknown>) };
        putBuffers(state, data.buffer_paths, buffers);
        this.applyFrontEndState(state, data.buffer_paths, buffers, replyTo);
      } else if (data.method === "request_state") {
        this.sendState(Object.keys(this.values), replyTo);
      } else if (data.method === "custom") {
        const content = data.content;
        for (const handler of this.customHandlers) pending.push(runCallbacks([() => handler(content, buffers)], failures));
      }
    } catch (error) {
      failures.push(error);
    } finally {
      this.failures = undefined;
      this.pendingCallbacks = undefined;
    }
    await Promise.all(pending);
    return failures;
  }

  /** @internal The whole state as the control comm's update_states gives it (binary values inline), or undefined when it has no comm. */
  savedState(): Record<string, unknown> | undefined {
    if (!this.commOpen || this.closed) return undefined;
    const names = this.protocolNames();
    return {
      model_name: names._model_name,
      model_module: names._model_module,
      model_module_version: names._model_module_version,
      state: { ...names, ...this.serializedState() },
    };
  }

  /** @internal The front end closed the comm. */
  closedByFrontEnd(): void {
    this.closed = true;
    this.commOpen = false;
    widgetsState().models.delete(this.modelId);
  }

  /** Runs callbacks for an event of this widget (a click): with a front-end message they are awaited and their failures reported. */
  protected runHandlers(calls: Array<() => unknown>): void {
    if (this.failures && this.pendingCallbacks) {
      this.pendingCallbacks.push(runCallbacks(calls, this.failures));
      return;
    }
    for (const call of calls) {
      const result = call();
      if (result instanceof Promise) void result;
    }
  }

  private applyFrontEndState(state: Record<string, unknown>, bufferPaths: unknown, buffers: Uint8Array[], replyTo: number | undefined): void {
    const keys = Object.keys(state).filter((key) => key in this.values);
    const echoed = keys.filter((key) => !(this.spec.noEcho ?? []).includes(key));
    if (echoed.length > 0) {
      const echo = removeBuffers(Object.fromEntries(echoed.map((key) => [key, state[key]])));
      this.commSend({ method: "echo_update", state: echo.state, buffer_paths: echo.bufferPaths }, echo.buffers, replyTo);
    }
    const patch = Object.fromEntries(keys.map((key) => [key, deserialize(state[key])]));
    this.locked = new Map(Object.entries(patch));
    try {
      this.set(patch as Partial<S>);
    } finally {
      this.locked = undefined;
    }
    void bufferPaths;
    void buffers;
  }

  /** Runs the observers of these changes; called after the state and the front end agree. */
  protected notify(changes: Change[]): void {
    for (const change of changes) {
      const calls = this.observers.filter((entry) => entry.names === undefined || entry.names.has(change.name)).map((entry) => () => entry.run(change));
      this.runHandlers(calls);
    }
  }

  private check(key: string, value: unknown): unknown {
    const defaults = this.spec.defaults() as Record<string, unknown>;
    const check = this.spec.checks?.[key] ?? checkLike(defaults[key]);
    return check(value, `${this.spec.className}'s option "${key}"`);
  }

  private open(): void {
    const state = widgetsState();
    state.models.set(this.modelId, this as WidgetModel);
    const link = state.link;
    if (!link) return;
    const split = removeBuffers({ ...this.protocolNames(), ...this.serializedState() });
    link.open(this.modelId, { state: split.state, buffer_paths: split.bufferPaths }, { version: PROTOCOL_VERSION }, split.buffers);
    this.commOpen = true;
  }

  private protocolNames(): Record<string, unknown> {
    const modelModule = this.spec.modelModule ?? CONTROLS;
    const viewModule = this.spec.viewModule ?? modelModule;
    return {
      _model_name: this.spec.model,
      _model_module: modelModule.module,
      _model_module_version: modelModule.version,
      _view_name: this.spec.view,
      _view_module: this.spec.view === null ? null : viewModule.module,
      _view_module_version: this.spec.view === null ? "" : viewModule.version,
      _view_count: null,
    };
  }

  private sendState(keys: string[], replyTo?: number): void {
    const split = removeBuffers(
      keys.length === Object.keys(this.values).length ? { ...this.protocolNames(), ...this.serializedState(keys) } : this.serializedState(keys),
    );
    this.commSend({ method: "update", state: split.state, buffer_paths: split.bufferPaths }, split.buffers, replyTo);
  }

  private commSend(data: CommData, buffers: Uint8Array[], replyTo?: number): void {
    if (!this.commOpen || this.closed) return;
    widgetsState().link?.send(this.modelId, data, buffers, replyTo);
  }
}

/** Delivers a front-end comm_msg to the widget it names; resolves with its callbacks' failures. */
export async function deliverWidgetMessage(commId: string, data: CommData, buffers: Uint8Array[], replyTo?: number): Promise<Failures> {
  const model = widgetsState().models.get(commId);
  if (!model) return [];
  return widgetsState().fromFrontEnd.run(true, () => model.receive(data, buffers, replyTo));
}

/**
 * Every open widget's state, for the control comm's request_states (a front end that reconnects
 * gets them all at once): { states, buffer_paths, buffers }, paths starting with the model id.
 */
export function allWidgetStates(): { states: Record<string, unknown>; buffer_paths: Array<Array<string | number>>; buffers: Uint8Array[] } {
  const all: Record<string, unknown> = {};
  for (const [id, model] of widgetsState().models) {
    const saved = model.savedState();
    if (saved) all[id] = saved;
  }
  const split = removeBuffers(all);
  return { states: split.state, buffer_paths: split.bufferPaths, buffers: split.buffers };
}

/** The front end closed a widget's comm. */
export function deliverWidgetClose(commId: string): void {
  widgetsState().models.get(commId)?.closedByFrontEnd();
}

/** Makes a getter/setter on the class's prototype for each state key, so `slider.value = 3` sends an update. */
export function defineStateAccessors(target: { prototype: object }, keys: string[]): void {
  for (const key of keys) {
    if (Object.prototype.hasOwnProperty.call(target.prototype, key)) continue;
    Object.defineProperty(target.prototype, key, {
      configurable: true,
      enumerable: false,
      get(this: WidgetModel<Record<string, unknown>>) {
        return this.get(key);
      },
      set(this: WidgetModel<Record<string, unknown>>, value: unknown) {
        this.set({ [key]: value });
      },
    });
  }
}
