/**
 * node:fs for the shared modules bundled into the browser kernel (build.mjs stubs the rest of Node's fs):
 * reads come from the virtual files (declarations, the site's data and weights), writes stay in the page's memory.
 */
import { Buffer } from "buffer";
import {
  makeVirtualDirectory,
  readVirtualBytes,
  readVirtualFile,
  removeVirtualFile,
  virtualDirectoryEntries,
  virtualDirectoryExists,
  virtualFileExists,
  writeVirtualFile,
} from "../worker/virtual-files";

function missing(name: string, what: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or folder in the browser kernel, ${what} '${name}'`), { code: "ENOENT" });
}

export function existsSync(name: string): boolean {
  return virtualFileExists(name) || virtualDirectoryExists(name);
}

export function readFileSync(name: string, options?: string | { encoding?: string }): string | Buffer {
  const encoding = typeof options === "string" ? options : options?.encoding;
  if (encoding) {
    const text = readVirtualFile(name);
    if (text === undefined) throw missing(name, "open");
    return text;
  }
  const bytes = readVirtualBytes(name);
  if (bytes === undefined) throw missing(name, "open");
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The virtual files have no times; sizes are what was read or written. */
export function statSync(name: string): { mtimeMs: number; size: number; isFile(): boolean; isDirectory(): boolean } {
  if (!existsSync(name)) throw missing(name, "stat");
  const isFile = virtualFileExists(name);
  return { mtimeMs: 0, size: isFile ? (readVirtualBytes(name)?.byteLength ?? 0) : 0, isFile: () => isFile, isDirectory: () => !isFile };
}

export function writeFileSync(name: string, data: string | Uint8Array): void {
  writeVirtualFile(name, typeof data === "string" ? data : new Uint8Array(data));
}

export function mkdirSync(name: string): void {
  makeVirtualDirectory(name);
}

export function readdirSync(name: string): string[] {
  if (!virtualDirectoryExists(name)) throw missing(name, "scandir");
  return virtualDirectoryEntries(name);
}

export function renameSync(from: string, to: string): void {
  const bytes = readVirtualBytes(from);
  if (bytes === undefined) throw missing(from, "rename");
  writeVirtualFile(to, bytes);
  removeVirtualFile(from);
}

export function rmSync(name: string): void {
  removeVirtualFile(name);
}

export function unlinkSync(name: string): void {
  removeVirtualFile(name);
}

export const promises = {
  readFile: async (name: string, options?: string | { encoding?: string }) => readFileSync(name, options),
  writeFile: async (name: string, data: string | Uint8Array) => writeFileSync(name, data),
  mkdir: async (name: string) => mkdirSync(name),
  readdir: async (name: string) => readdirSync(name),
  stat: async (name: string) => statSync(name),
  rm: async (name: string) => rmSync(name),
  access: async (name: string) => {
    statSync(name);
  },
};
