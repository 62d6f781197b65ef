import * as fs from "node:fs";
import type { Session } from "node:inspector";
import * as path from "node:path";
import { tsfineRoot } from "../tsfine-root";
import type { UserMagicSpec } from "../magic-host";
import type { FromWorker } from "./messages";

export type TypecheckMode = "on" | "warn" | "off";

/** The `tsfine` global cells see. */
export interface TsfineApi {
  version: string;
  setTypecheck(mode: TypecheckMode): void;
  registerMagic(spec: UserMagicSpec): void;
  input(prompt?: string, options?: { password?: boolean }): Promise<string>;
  globalNames(): string[];
}

const baselineGlobals = new Set(Object.getOwnPropertyNames(globalThis));

export function createTsfineObject(options: { post(message: FromWorker): void; session: Session }) {
  const { post, session } = options;
  const magics = new Map<string, UserMagicSpec>();
  const inputs = new Map<number, { resolve(value: string): void; reject(error: Error): void }>();
  let nextInput = 1;

  const api: TsfineApi = {
    version: readVersion(),
    setTypecheck(mode) {
      if (!["on", "warn", "off"].includes(mode)) throw new Error(`typecheck mode must be "on", "warn" or "off", not ${JSON.stringify(mode)}`);
      post({ type: "setTypecheck", mode });
    },
    registerMagic(spec) {
      if (!spec || typeof spec.name !== "string" || !/^[A-Za-z_][\w-]*$/.test(spec.name)) throw new Error("registerMagic needs a spec with a name made of letters, digits, _ or -");
      if (typeof spec.expand !== "function") throw new Error(`magic %${spec.name} needs an expand(argsText) function returning TypeScript source`);
      magics.set(spec.name, spec);
      post({ type: "registerMagic", name: spec.name, help: spec.help });
    },
    input(prompt = "", inputOptions = {}) {
      const id = nextInput++;
      return new Promise<string>((resolve, reject) => {
        inputs.set(id, { resolve, reject });
        post({ type: "input", id, prompt, password: Boolean(inputOptions.password) });
      });
    },
    globalNames() {
      let lexical: string[] = [];
      session.post("Runtime.globalLexicalScopeNames", {}, (error, result) => {
        if (!error) lexical = (result as { names: string[] }).names;
      });
      const added = Object.getOwnPropertyNames(globalThis).filter((name) => !baselineGlobals.has(name) && !name.startsWith("__tsfine"));
      return [...new Set([...lexical, ...added])].sort();
    },
  };

  return {
    api,
    async expandMagic(name: string, args: string): Promise<string> {
      const spec = magics.get(name);
      if (!spec) throw new Error(`no magic named %${name} was registered`);
      const code = await spec.expand(args);
      if (typeof code !== "string") throw new Error(`magic %${name} must return TypeScript source as a string`);
      return code;
    },
    settleInput(id: number, value: string | undefined, error: string | undefined) {
      const pending = inputs.get(id);
      if (!pending) return;
      inputs.delete(id);
      if (error !== undefined) pending.reject(new Error(error));
      else pending.resolve(value ?? "");
    },
  };
}

function readVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(tsfineRoot(), "package.json"), "utf8")).version;
  } catch {
    return "0.0.0";
  }
}
