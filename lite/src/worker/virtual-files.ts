import type * as ts from "typescript";

/**
 * The files the browser kernel's TypeScript sees: the declaration files the site ships
 * (tsfine-declarations.json, written by lite/declarations.mjs from what the Node kernel's checker
 * reads), under the same virtual root the Node shims name (/tsfine). Nothing here is ever written
 * by a cell: the notebook's own folder is not reachable from a browser tab.
 */
export const VIRTUAL_ROOT = "/tsfine";

const files = new Map<string, string>();
const directories = new Set<string>(["/"]);

export function addVirtualFiles(entries: Record<string, string>): void {
  for (const [name, text] of Object.entries(entries)) {
    files.set(name, text);
    for (let dir = parentOf(name); !directories.has(dir); dir = parentOf(dir)) directories.add(dir);
  }
}

function parentOf(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash <= 0 ? "/" : name.slice(0, slash);
}

export function readVirtualFile(name: string): string | undefined {
  return files.get(normalize(name));
}

export function virtualFileExists(name: string): boolean {
  return files.has(normalize(name));
}

export function virtualDirectoryExists(name: string): boolean {
  return directories.has(normalize(name).replace(/\/$/, "") || "/");
}

function normalize(name: string): string {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** TypeScript's view of the virtual files (installed with ts.setSys, as TypeScript's own web hosts do). */
export function virtualSystem(): ts.System {
  const unsupported = (what: string) => () => {
    throw new Error(`The browser kernel cannot ${what}.`);
  };
  return {
    args: [],
    newLine: "\n",
    useCaseSensitiveFileNames: true,
    write: () => undefined,
    readFile: (name) => readVirtualFile(name),
    writeFile: unsupported("write files"),
    fileExists: virtualFileExists,
    directoryExists: virtualDirectoryExists,
    createDirectory: unsupported("create folders"),
    getExecutingFilePath: () => `${VIRTUAL_ROOT}/node_modules/typescript/lib/typescript.js`,
    getCurrentDirectory: () => VIRTUAL_ROOT,
    getDirectories: (dir) => {
      const prefix = `${normalize(dir).replace(/\/$/, "")}/`;
      return [...directories].filter((d) => d.startsWith(prefix) && !d.slice(prefix.length).includes("/")).map((d) => d.slice(prefix.length));
    },
    readDirectory: (dir, extensions) => {
      const prefix = `${normalize(dir).replace(/\/$/, "")}/`;
      return [...files.keys()].filter((name) => name.startsWith(prefix) && (!extensions || extensions.some((ext) => name.endsWith(ext))));
    },
    realpath: (name) => normalize(name),
    exit: () => undefined,
    resolvePath: (name) => normalize(name),
    getModifiedTime: () => new Date(0),
  };
}

/** require.resolve for the shared modules that look packages up (globals-declarations.ts): the virtual node_modules only. */
export function resolvePackageFile(request: string): string {
  const name = `${VIRTUAL_ROOT}/node_modules/${request}`;
  if (virtualFileExists(name)) return name;
  throw new Error(`Cannot find module '${request}' in the browser kernel.`);
}
