/** node:fs for the shared modules bundled into the browser kernel: reads from the site's virtual files only. */
import { readVirtualFile, virtualDirectoryExists, virtualFileExists } from "../worker/virtual-files";

export function existsSync(name: string): boolean {
  return virtualFileExists(name) || virtualDirectoryExists(name);
}

export function readFileSync(name: string): string {
  const text = readVirtualFile(name);
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file in the browser kernel, open '${name}'`), { code: "ENOENT" });
  return text;
}

/** The virtual files never change while the kernel runs. */
export function statSync(name: string): { mtimeMs: number; isFile(): boolean; isDirectory(): boolean } {
  if (!existsSync(name)) throw Object.assign(new Error(`ENOENT: no such file in the browser kernel, stat '${name}'`), { code: "ENOENT" });
  return { mtimeMs: 0, isFile: () => virtualFileExists(name), isDirectory: () => virtualDirectoryExists(name) };
}

export default { existsSync, readFileSync, statSync };
