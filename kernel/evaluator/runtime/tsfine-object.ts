import * as fs from "node:fs";
import type { Session } from "node:inspector";
import * as path from "node:path";
import type { UserMagicSpec } from "../../../magics";
import { tsfineRoot } from "../tsfine-root";
import { magicsRuntime, whenMagicsRuntimeLoads } from "./magics-runtime";
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
/** The kernel's globals, cells' `require` among them (runtime-worker.ts defines it after this module loaded). */
const PRELOADED = new Set(["tf", "tl", "display", "plot", "widgets", "tsfine", "require"]);

/** Globals the kernel or its libraries put there (tf adds _tfengine, _tfGlobals), not the user. */
function isKernelGlobal(name: string): boolean {
  return PRELOADED.has(name) || name.startsWith("_");
}

/** The notebook's top-level names: the REPL scope's `lexical` ones (let/const/class) and the globals cells added (var, function), without the kernel's. */
export function notebookNames(lexical: string[]): string[] {
  const added = Object.getOwnPropertyNames(globalThis).filter((name) => !baselineGlobals.has(name) && !isKernelGlobal(name));
  return [...new Set([...lexical.filter((name) => !isKernelGlobal(name)), ...added])].sort();
}

/** Questions the worker asks the main thread (input from the user, a change of directory), answered by id. */
class MainThreadQuestions {
  private readonly pending = new Map<number, { resolve(value: string): void; reject(error: Error): void }>();
  private nextId = 1;

  ask(post: (id: number) => void): Promise<string> {
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      post(id);
    });
  }

  settle(id: number, value: string | undefined, error: string | undefined): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (error !== undefined) pending.reject(new Error(error));
    else pending.resolve(value ?? "");
  }
}

export function createTsfineObject(options: { post(message: FromWorker): void; session: Session }) {
  const { post, session } = options;
  const questions = new MainThreadQuestions();

  whenMagicsRuntimeLoads((magics) =>
    magics.onChangeDirectory(async (directory) => {
      await questions.ask((id) => post({ type: "chdir", id, directory }));
    }),
  );

  const api: TsfineApi = {
    version: readVersion(),
    setTypecheck(mode) {
      if (!["on", "warn", "off"].includes(mode)) throw new Error(`typecheck mode must be "on", "warn" or "off", not ${JSON.stringify(mode)}`);
      post({ type: "setTypecheck", mode });
    },
    registerMagic(spec) {
      if (!spec || typeof spec.name !== "string" || !/^[A-Za-z_][\w-]*$/.test(spec.name))
        throw new Error("registerMagic needs a spec with a name made of letters, digits, _ or -");
      if (typeof spec.expand !== "function") throw new Error(`magic %${spec.name} needs an expand(args) function returning TypeScript source`);
      magicsRuntime().registerMagic(spec);
      post({ type: "registerMagic", name: spec.name, help: spec.help });
    },
    input(prompt = "", inputOptions = {}) {
      return questions.ask((id) => post({ type: "input", id, prompt: String(prompt), password: Boolean(inputOptions.password) }));
    },
    globalNames() {
      let lexical: string[] = [];
      session.post("Runtime.globalLexicalScopeNames", {}, (error, result) => {
        if (!error) lexical = (result as { names: string[] }).names;
      });
      return notebookNames(lexical);
    },
  };

  return {
    api,
    async expandMagic(name: string, args: string, body?: string): Promise<string> {
      return magicsRuntime().expandUserMagic(name, args, body);
    },
    settleQuestion(id: number, value: string | undefined, error: string | undefined) {
      questions.settle(id, value, error);
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
