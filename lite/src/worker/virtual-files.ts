import type * as ts from "typescript";

/**
 * The files the browser kernel's code sees, under the virtual root the Node shims name (/tsfine):
 * - the declaration files the type checker reads (tsfine-declarations.json, all loaded at start);
 * - the data and weights the site ships (tsfine-files.json lists them), fetched from the site the
 *   first time something reads one (a synchronous request, which a worker may make; the browser's
 *   cache keeps them between visits);
 * - what cells write (tl.save, %writefile), kept in the page's memory until it closes.
 * The notebook's own folder is not reachable from a browser tab.
 */
export const VIRTUAL_ROOT = "/tsfine";

const files = new Map<string, string | Uint8Array>();
const directories = new Set<string>(["/"]);
/** Files the site has under files/ (virtual name → URL), fetched on first read. */
const siteFiles = new Map<string, string>();

function addDirectoriesOf(name: string): void {
  for (let dir = parentOf(name); !directories.has(dir); dir = parentOf(dir)) directories.add(dir);
}

export function addVirtualFiles(entries: Record<string, string>): void {
  for (const [name, text] of Object.entries(entries)) {
    files.set(name, text);
    addDirectoriesOf(name);
  }
}

/** The site's data files: `relative` names under VIRTUAL_ROOT, served under `baseUrl`. */
export function addSiteFiles(relative: string[], baseUrl: string): void {
  for (const name of relative) {
    const virtual = `${VIRTUAL_ROOT}/${name}`;
    siteFiles.set(virtual, new URL(name.split("/").map(encodeURIComponent).join("/"), baseUrl).href);
    addDirectoriesOf(virtual);
  }
}

function parentOf(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash <= 0 ? "/" : name.slice(0, slash);
}

/** An absolute, normalised name: relative names start at the worker's working folder (VIRTUAL_ROOT). */
export function normalize(name: string): string {
  const parts: string[] = [];
  for (const part of (name.startsWith("/") ? name : `${VIRTUAL_ROOT}/${name}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

function load(name: string): string | Uint8Array | undefined {
  const known = files.get(name);
  if (known !== undefined) return known;
  const url = siteFiles.get(name);
  if (url === undefined) return undefined;
  const request = new XMLHttpRequest();
  request.open("GET", url, false);
  request.responseType = "arraybuffer";
  request.send();
  if (request.status !== 200) throw new Error(`The site's file ${url} did not load (${request.status}); rebuild the site with tsfine lite build.`);
  const bytes = new Uint8Array(request.response as ArrayBuffer);
  files.set(name, bytes);
  return bytes;
}

export function readVirtualFile(name: string): string | undefined {
  const content = load(normalize(name));
  return content === undefined || typeof content === "string" ? content : new TextDecoder().decode(content);
}

export function readVirtualBytes(name: string): Uint8Array | undefined {
  const content = load(normalize(name));
  return content === undefined || typeof content !== "string" ? content : new TextEncoder().encode(content);
}

export function writeVirtualFile(name: string, content: string | Uint8Array): void {
  const absolute = normalize(name);
  files.set(absolute, content);
  siteFiles.delete(absolute);
  addDirectoriesOf(absolute);
}

export function makeVirtualDirectory(name: string): void {
  const absolute = normalize(name);
  directories.add(absolute);
  addDirectoriesOf(absolute);
}

export function virtualFileExists(name: string): boolean {
  const absolute = normalize(name);
  return files.has(absolute) || siteFiles.has(absolute);
}

export function virtualDirectoryExists(name: string): boolean {
  return directories.has(normalize(name));
}

export function virtualDirectoryEntries(name: string): string[] {
  const prefix = `${normalize(name).replace(/\/$/, "")}/`;
  const names = [...files.keys(), ...siteFiles.keys(), ...directories].filter((entry) => entry.startsWith(prefix) && entry !== prefix);
  return [...new Set(names.map((entry) => entry.slice(prefix.length).split("/")[0]))].sort();
}

export function removeVirtualFile(name: string): void {
  const absolute = normalize(name);
  for (const key of [...files.keys()]) if (key === absolute || key.startsWith(`${absolute}/`)) files.delete(key);
  for (const key of [...directories]) if (key === absolute || key.startsWith(`${absolute}/`)) directories.delete(key);
}

/** TypeScript's view of the virtual files (installed with ts.setSys, as TypeScript's own web hosts do). */
export function virtualSystem(): ts.System {
  const unsupported = (what: string) => () => {
    throw new Error(`The browser kernel's TypeScript cannot ${what}.`);
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
    getDirectories: (dir) => virtualDirectoryEntries(dir).filter((entry) => virtualDirectoryExists(`${normalize(dir)}/${entry}`)),
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

/** require.resolve for the shared modules that look packages up: the virtual node_modules only. */
export function resolvePackageFile(request: string): string {
  const file = `${VIRTUAL_ROOT}/node_modules/${request}`;
  if (virtualFileExists(file)) return file;
  // A bare package name: its package.json's main file.
  const manifest = readVirtualFile(`${file}/package.json`);
  const main = manifest === undefined ? undefined : (JSON.parse(manifest) as { main?: string }).main;
  if (main && virtualFileExists(`${file}/${main}`)) return normalize(`${file}/${main}`);
  throw new Error(`Cannot find module '${request}' in the browser kernel.`);
}
