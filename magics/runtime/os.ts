/** %cd, %pwd, %env, %%writefile at run time. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { userError } from "./user-error";

type DirectoryChanger = (directory: string) => void | Promise<void>;

let changeDirectory: DirectoryChanger | undefined;
let previousDirectory: string | undefined;

/**
 * In a worker thread process.chdir is not allowed: the evaluator passes a function that
 * changes the process's directory from the main thread (workers see the change).
 */
export function onChangeDirectory(changer: DirectoryChanger | undefined): void {
  changeDirectory = changer;
}

/** Prints the new directory (and returns nothing, so it is not shown twice). */
export async function cd(directory?: string): Promise<void> {
  const current = process.cwd();
  let target: string;
  if (directory === undefined || directory === "~") target = os.homedir();
  else if (directory === "-") {
    if (!previousDirectory) throw userError("%cd -: there is no previous directory yet.");
    target = previousDirectory;
  } else target = path.resolve(current, directory.replace(/^~(?=\/|$)/, os.homedir()));
  if (!fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    throw userError(`%cd: no such directory: ${directory} (${target})`);
  }
  if (changeDirectory) await changeDirectory(target);
  else {
    try {
      process.chdir(target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ERR_WORKER_UNSUPPORTED_OPERATION") throw error;
      throw userError(
        "%cd: this kernel runs cells in a worker thread, which cannot change directory itself, and it has not set magicsRuntime.onChangeDirectory.",
      );
    }
  }
  previousDirectory = current;
  console.log(target);
}

export function pwd(): string {
  return process.cwd();
}

/** No name: all variables (sorted); a name: its value; a name and value: sets it. */
export function env(): Record<string, string>;
export function env(name: string): string | undefined;
export function env(name: string, value: string): void;
export function env(name?: string, value?: string): Record<string, string> | string | undefined {
  if (name === undefined) {
    return Object.fromEntries(
      Object.entries(process.env)
        .filter((e): e is [string, string] => e[1] !== undefined)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
  }
  if (value === undefined) return process.env[name];
  process.env[name] = String(value);
  console.log(`env: ${name}=${value}`);
  return undefined;
}

export function writefile(file: string, text: string, options: { append?: boolean } = {}): void {
  const target = path.resolve(process.cwd(), file);
  const exists = fs.existsSync(target);
  if (options.append) {
    console.log(`Appending to ${file}`);
    fs.appendFileSync(target, text);
  } else {
    console.log(`${exists ? "Overwriting" : "Writing"} ${file}`);
    fs.writeFileSync(target, text);
  }
}
