/**
 * `tsfine install` / `tsfine uninstall`: writes or removes kernels/<name>/ (kernel.json and
 * the two logos) where Jupyter finds it, with no Python involved.
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { dataSearchPath, prefixDataDir, sysPrefix, userDataDir } from "./jupyter-paths";
import { cliScript, packageRoot } from "./package-root";

export type KernelspecLocation = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

export interface KernelspecOptions {
  location?: KernelspecLocation;
  name?: string;
  displayName?: string;
}

export const DEFAULT_KERNEL_NAME = "tsfine";
export const DEFAULT_DISPLAY_NAME = "TypeScript (tsfine)";
const LOGOS = ["logo-32x32.png", "logo-64x64.png"];

/** The kernels/ folder for a location. */
export function kernelsDir(location: KernelspecLocation = { kind: "user" }): string {
  switch (location.kind) {
    case "user":
      return join(userDataDir(), "kernels");
    case "sys-prefix":
      return join(prefixDataDir(sysPrefix()), "kernels");
    case "prefix":
      return join(prefixDataDir(location.dir), "kernels");
  }
}

/** jupyter_client accepts letters, digits, '.', '_' and '-' only. */
export function validateKernelName(name: string): void {
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new Error(`Kernel name "${name}" is not allowed: use letters, digits, ".", "_" or "-".`);
  }
}

export function kernelJson(displayName: string): Record<string, unknown> {
  return {
    argv: [process.execPath, "--no-force-async-hooks-checks", cliScript(), "kernel", "--connection-file", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    // Interrupts come as interrupt_request on control; SIGINT is handled too.
    interrupt_mode: "message",
    env: {},
    metadata: { debugger: true },
  };
}

/** Installs the kernelspec; returns its folder. */
export async function installKernelspec(options: KernelspecOptions = {}): Promise<string> {
  const name = options.name ?? DEFAULT_KERNEL_NAME;
  validateKernelName(name);
  const dir = join(kernelsDir(options.location), name);
  await fs.mkdir(dir, { recursive: true });
  const spec = kernelJson(options.displayName ?? DEFAULT_DISPLAY_NAME);
  await fs.writeFile(join(dir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  for (const logo of LOGOS) await fs.copyFile(join(packageRoot(), "kernel", "logos", logo), join(dir, logo));
  return dir;
}

/** Removes the kernelspec; returns its folder, or undefined when there was none. */
export async function uninstallKernelspec(options: KernelspecOptions = {}): Promise<string | undefined> {
  const name = options.name ?? DEFAULT_KERNEL_NAME;
  validateKernelName(name);
  const dir = join(kernelsDir(options.location), name);
  try {
    await fs.access(join(dir, "kernel.json"));
  } catch {
    return undefined;
  }
  await fs.rm(dir, { recursive: true, force: true });
  return dir;
}

export interface FoundKernelspec {
  dir: string;
  argv: string[];
  env: Record<string, string>;
  displayName: string;
}

/** Finds an installed kernelspec by name in Jupyter's search path (any language, not only ours). */
export async function findKernelspec(name: string): Promise<FoundKernelspec | undefined> {
  for (const dataDir of dataSearchPath()) {
    const dir = join(dataDir, "kernels", name);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a kernel.json of any origin; the fields used are checked below
    let spec: any;
    try {
      spec = JSON.parse(await fs.readFile(join(dir, "kernel.json"), "utf8"));
    } catch {
      continue;
    }
    if (!Array.isArray(spec?.argv) || spec.argv.length === 0) throw new Error(`${join(dir, "kernel.json")} has no argv.`);
    return { dir, argv: spec.argv.map(String), env: spec.env ?? {}, displayName: String(spec.display_name ?? name) };
  }
  return undefined;
}
