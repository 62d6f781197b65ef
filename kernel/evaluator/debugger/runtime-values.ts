/**
 * Values in the runtime worker as the debugger's variables: V8's remote objects described in one line
 * (a tensor, model or dataset by the worker's summary helper), and the numbered handles
 * (`variablesReference`) through which the front end opens an object or a scope.
 */
import { DEBUG_HELPERS_KEY } from "../runtime/debug-helpers-key";

export interface RemoteObject {
  type: string;
  subtype?: string;
  className?: string;
  value?: unknown;
  unserializableValue?: string;
  description?: string;
  objectId?: string;
}

export interface DapVariable {
  name: string;
  value: string;
  type: string;
  evaluateName?: string;
  variablesReference: number;
}

type Call = <T>(method: string, params?: object) => Promise<T>;

/** What a handle opens: an object's own properties, or a scope's variables (the global scope: only the notebook's names). */
type Handle = { objectId: string; notebookOnly?: boolean };

/** The expression that reaches the worker's helpers (runtime/debug-helpers.ts). */
export const HELPERS = `globalThis[Symbol.for(${JSON.stringify(DEBUG_HELPERS_KEY)})]`;

const SHOWN_PROPERTIES = 300;

export class RuntimeValues {
  private handles = new Map<number, Handle>();
  private nextHandle = 1;

  constructor(private readonly call: Call) {}

  /** Handles end when the worker resumes (its objects' ids no longer hold) or a new inspection starts. */
  forget(): void {
    this.handles.clear();
  }

  handleFor(objectId: string, notebookOnly = false): number {
    const handle = this.nextHandle++;
    this.handles.set(handle, { objectId, notebookOnly });
    return handle;
  }

  has(reference: number): boolean {
    return this.handles.has(reference);
  }

  async variable(name: string, remote: RemoteObject | undefined, evaluateName?: string): Promise<DapVariable> {
    const { value, type } = await this.describe(remote);
    const expandable = remote?.objectId !== undefined && remote.type === "object" && remote.subtype !== "null";
    return {
      name,
      value,
      type,
      ...(evaluateName ? { evaluateName } : {}),
      variablesReference: expandable ? this.handleFor(remote.objectId!) : 0,
    };
  }

  /**
   * A value in one line (a tensor's dtype, shape and first values, a model's layers; V8's description otherwise)
   * and its type. Primitives take the type names JupyterLab's variable tree knows (int, float, bool, str): for
   * any other type name the tree shows the type instead of the value.
   */
  async describe(remote: RemoteObject | undefined): Promise<{ value: string; type: string }> {
    if (!remote || remote.type === "undefined") return { value: "undefined", type: "undefined" };
    switch (remote.type) {
      case "string":
        return { value: JSON.stringify(remote.value), type: "str" };
      case "boolean":
        return { value: String(remote.value), type: "bool" };
      case "number":
        return { value: remote.unserializableValue ?? String(remote.value), type: Number.isInteger(remote.value) ? "int" : "float" };
      case "bigint":
        return { value: remote.unserializableValue ?? String(remote.value), type: "int" };
    }
    if (remote.objectId && remote.type === "object") {
      const summary = await this.call<{ result: RemoteObject }>("Runtime.callFunctionOn", {
        objectId: remote.objectId,
        functionDeclaration: `function () { return ${HELPERS}.summary(this); }`,
        returnByValue: true,
        silent: true,
      }).catch(() => undefined);
      const described = summary?.result.value as { type?: unknown; value?: unknown } | undefined;
      if (typeof described?.value === "string" && typeof described.type === "string") return { value: described.value, type: described.type };
    }
    return { value: remote.description ?? String(remote.value), type: remote.className ?? remote.subtype ?? remote.type };
  }

  /** The variables behind a handle (an unknown handle throws). */
  async variables(reference: number): Promise<DapVariable[]> {
    const handle = this.handles.get(reference);
    if (!handle) throw new Error(`There is no variable reference ${reference}: it belongs to an earlier pause or inspection.`);
    const { result } = await this.call<{ result: Array<{ name: string; value?: RemoteObject; symbol?: RemoteObject }> }>("Runtime.getProperties", {
      objectId: handle.objectId,
      ownProperties: true,
      generatePreview: false,
    });
    let properties = result.filter((property) => property.value !== undefined && property.symbol === undefined && property.name !== "__proto__");
    if (handle.notebookOnly) {
      const names = new Set(await this.notebookNames([]));
      properties = properties.filter((property) => names.has(property.name));
    }
    return Promise.all(properties.slice(0, SHOWN_PROPERTIES).map((property) => this.variable(property.name, property.value)));
  }

  /** The notebook's top-level names (runtime/debug-helpers.ts), the REPL scope's `lexical` ones included. */
  async notebookNames(lexical: string[]): Promise<string[]> {
    const { result } = await this.call<{ result: RemoteObject }>("Runtime.evaluate", {
      expression: `${HELPERS}.notebookNames(${JSON.stringify(lexical)})`,
      returnByValue: true,
      silent: true,
    });
    return Array.isArray(result.value) ? (result.value as string[]) : [];
  }
}
