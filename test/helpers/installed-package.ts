/**
 * tsfine as a user gets it from npm: `npm pack` of this checkout, and the tarball installed into a
 * fresh folder. Offline: npm's cache holds every dependency's tarball (npm ci put them there), but not
 * the registry's package documents a plain `npm install tsfine.tgz` asks for first, so the fresh
 * folder gets a lockfile with the checkout's own resolved versions (the ones a user gets today) and
 * installs with `npm ci --offline`. What lands in node_modules/tsfine is what the tarball holds.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

interface LockEntry {
  dev?: boolean;
  link?: boolean;
  [field: string]: unknown;
}

/** Runs a command in a network namespace of its own (no network at all), failing with its output. */
export function runOffline(command: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync("unshare", ["--net", "--", ...command], { cwd, encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command.join(" ")} failed offline (status ${result.status}):\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

/**
 * Packs the checkout (dist/ and lite/labextension/ must be built: prepack's steps) into `work` and
 * installs the tarball into `work/app`; returns that folder.
 */
export function installPackedTsfine(work: string): string {
  // --ignore-scripts: prepack's two builds (npm run build, lite's build) already ran for the suite.
  const packed = JSON.parse(runOffline(["npm", "pack", "--json", "--ignore-scripts", "--pack-destination", work], ROOT)) as Array<{ filename: string }>;
  const tarball = join(work, packed[0].filename);
  const app = join(work, "app");
  mkdirSync(app);
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { tsfine: spec } },
    "node_modules/tsfine": {
      version: manifest.version,
      resolved: spec,
      integrity: `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`,
      license: manifest.license,
      dependencies: manifest.dependencies,
      optionalDependencies: manifest.optionalDependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  // tsfine's dependencies sit at the top of node_modules in the checkout as in the fresh folder; its development tools do not go.
  for (const [key, entry] of Object.entries(lock.packages)) if (key !== "" && !entry.dev && !entry.link) packages[key] = entry;
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, dependencies: { tsfine: spec } }));
  writeFileSync(join(app, "package-lock.json"), JSON.stringify({ name: "app", lockfileVersion: 3, requires: true, packages }));
  // The optional data packages (SpamAssassin, the word vectors: ~400 MB) are for the Node kernel's text example, not for a site.
  runOffline(["npm", "ci", "--offline", "--omit=optional", "--no-audit", "--no-fund"], app);
  return app;
}
