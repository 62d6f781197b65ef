/**
 * Builds tfjs-node's binding (its C++ sources come in the npm package) against the TensorFlow
 * C API from PyPI's wheel, with the node-gyp that npm ships: no compiler toolchain is added to
 * tsfine's dependencies, and npm reaches only the npm registry.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function npmCommand(): string {
  return process.platform === "win32" ? "npm.cmd" : "npm";
}

function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; log?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = options.log ? fs.openSync(options.log, "a") : undefined;
    const stdio: ("ignore" | "inherit" | number)[] = log === undefined ? ["ignore", "inherit", "inherit"] : ["ignore", log, log];
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio });
    const close = () => log !== undefined && fs.closeSync(log);
    child.on("error", (error) => {
      close();
      reject(new Error(`Could not run ${command} (${error.message}).`));
    });
    child.on("exit", (code, signal) => {
      close();
      if (code === 0) return resolve();
      const tail = options.log ? `:\n${fs.readFileSync(options.log, "utf8").trim().split("\n").slice(-15).join("\n")}` : "; see its output above";
      reject(new Error(`\`${command} ${args.join(" ")}\` failed (${signal ?? `exit code ${code}`})${tail}`));
    });
  });
}

/** `npm pack name@version` into `folder`, unpacked there as `package/`; returns that folder. */
export async function fetchNpmPackage(spec: string, folder: string): Promise<string> {
  const packed = spawnSync(npmCommand(), ["pack", "--silent", "--pack-destination", folder, spec], { cwd: folder, encoding: "utf8" });
  if (packed.status !== 0) throw new Error(`\`npm pack ${spec}\` failed: ${(packed.stderr || "").trim().split("\n").pop()}`);
  const tarball = path.join(folder, packed.stdout.trim().split("\n").pop() as string);
  const untar = spawnSync("tar", ["xzf", tarball, "-C", folder]);
  if (untar.status !== 0) throw new Error(`Unpacking ${path.basename(tarball)} failed: ${String(untar.stderr).trim()}`);
  fs.rmSync(tarball);
  return path.join(folder, "package");
}

/** node-gyp as npm ships it, found beside the npm that is on PATH or beside node. */
export function nodeGypScript(): string | undefined {
  const candidates: string[] = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = path.dirname(path.dirname(process.execPath));
  candidates.push(path.join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  const which = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" });
  if (which.status === 0 && which.stdout.trim()) {
    const npmBin = fs.realpathSync(which.stdout.trim());
    candidates.push(path.join(path.dirname(path.dirname(npmBin)), "node_modules", "node-gyp", "bin", "node-gyp.js"));
  }
  return candidates.find((candidate) => fs.existsSync(candidate));
}

/** Node's own headers when they are installed beside it; otherwise node-gyp fetches them. */
function nodeHeadersDir(): string | undefined {
  const prefix = path.dirname(path.dirname(process.execPath));
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

export interface BindingBuild {
  /** tfjs-node's unpacked package, with deps/include and deps/lib filled in. */
  packageDir: string;
  napi: number;
  /** Extra linker flags (gpu: rpaths and `-l:` entries that preload CUDA libraries). */
  ldflags?: string[];
  log: string;
}

/** Compiles lib/napi-v{napi}/tfjs_binding.node; its RUNPATH is $ORIGIN/../../deps/lib (binding.gyp). */
export async function buildBinding(build: BindingBuild): Promise<string> {
  const gyp = nodeGypScript();
  if (!gyp) throw new Error("npm's node-gyp was not found (looked beside node and beside npm); install npm 7 or newer.");
  const headers = nodeHeadersDir();
  const modulePath = path.join(build.packageDir, "lib", `napi-v${build.napi}`);
  const args = [gyp, "rebuild", `--napi_build_version=${build.napi}`, "--module_name=tfjs_binding", `--module_path=${modulePath}`];
  if (headers) args.push(`--nodedir=${headers}`);
  const env = { ...process.env };
  if (build.ldflags && build.ldflags.length > 0) env.LDFLAGS = [process.env.LDFLAGS ?? "", ...build.ldflags].join(" ").trim();
  await run(process.execPath, args, { cwd: build.packageDir, env, log: build.log });
  const binding = path.join(modulePath, "tfjs_binding.node");
  if (!fs.existsSync(binding)) throw new Error(`node-gyp finished but ${binding} is missing; see ${build.log}.`);
  return binding;
}

/**
 * tfjs-node's runtime dependencies, at the versions its package.json asks for, except
 * @tensorflow/tfjs: the loader points that at tsfine's own copy so the backend registers on it.
 */
export async function installRuntimeDependencies(packageDir: string, root: string, log: string): Promise<void> {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const specs = Object.entries(manifest.dependencies ?? {})
    .filter(([name]) => !name.startsWith("@tensorflow/"))
    .map(([name, range]) => `${name}@${range}`);
  fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "tsfine-native-backend", private: true }, null, 2));
  await run(npmCommand(), ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock", "--omit=dev", ...specs], { cwd: root, log });
}
