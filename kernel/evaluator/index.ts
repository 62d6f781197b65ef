import type { Interpreter } from "../interpreter";
import { TypeScriptInterpreter, type InterpreterOptions } from "./typescript-interpreter";

export type { InterpreterOptions } from "./typescript-interpreter";

/** The kernel's TypeScript interpreter for a notebook in `options.cwd`. */
export function createInterpreter(options: InterpreterOptions): Interpreter {
  return new TypeScriptInterpreter(options);
}
