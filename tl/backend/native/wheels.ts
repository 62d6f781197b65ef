/**
 * PyPI's wheels, through the user's own pip: `pip download` only fetches files (no Python
 * environment is created or changed), and the user's python unpacks the few members the native
 * backend needs with its zipfile module, so neither unzip nor a zip library is required.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface Wheel {
  name: string;
  version: string;
  file: string;
  bytes: number;
}

/** A wheel's file name starts with its normalised project name and version (PEP 427). */
function wheelPrefix(requirement: string): { project: string; version?: string } {
  const [name, version] = requirement.split("==");
  return { project: name.replace(/[-_.]+/g, "_").toLowerCase(), version };
}

export function findWheel(folder: string, requirement: string): string | undefined {
  const { project, version } = wheelPrefix(requirement);
  if (!fs.existsSync(folder)) return undefined;
  const found = fs
    .readdirSync(folder)
    .filter((file) => file.endsWith(".whl"))
    .filter((file) => {
      const [fileProject, fileVersion] = file.split("-");
      return fileProject.toLowerCase() === project && (version === undefined || fileVersion === version);
    })
    .sort();
  return found.length > 0 ? path.join(folder, found[found.length - 1]) : undefined;
}

export function describeWheel(file: string): Wheel {
  const [project, version] = path.basename(file).split("-");
  return { name: project.replace(/_/g, "-"), version, file: path.basename(file), bytes: fs.statSync(file).size };
}

function runInherited(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (error) => reject(new Error(`Could not run ${command} (${error.message}).`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`\`${command} ${args.join(" ")}\` failed (${signal ?? `exit code ${code}`}); see its output above.`));
    });
  });
}

/**
 * The libraries inside do not depend on Python, so pip is asked for one fixed target: the same
 * files arrive whichever python3 runs pip (3.8 or 3.14, where TensorFlow has no wheel of its own).
 * pip takes `--platform` literally (it does not widen manylinux_2_27 to the older tags a glibc
 * 2.27 machine also runs), and several CUDA wheels (cupti, nvcc, nvrtc…) are tagged
 * manylinux2014 / manylinux_2_17 only: every tag glibc 2.27 accepts is listed.
 */
export const WHEEL_PLATFORMS = [
  "manylinux_2_27_x86_64",
  "manylinux_2_24_x86_64",
  "manylinux_2_17_x86_64",
  "manylinux2014_x86_64",
  "manylinux2010_x86_64",
  "manylinux1_x86_64",
];

const WHEEL_TARGET = ["--only-binary=:all:", ...WHEEL_PLATFORMS.flatMap((tag) => ["--platform", tag]), "--python-version", "3.11", "--implementation", "cp"];

/**
 * `pip download --no-deps` of each requirement into `folder`; pip skips a file already there, so
 * a second install reuses the wheels. Returns the wheel files in the order asked.
 */
export async function downloadWheels(python: string, requirements: string[], folder: string): Promise<Wheel[]> {
  fs.mkdirSync(folder, { recursive: true });
  const wanted = requirements.filter((requirement) => !requirement.includes("==") || findWheel(folder, requirement) === undefined);
  if (wanted.length > 0) {
    await runInherited(python, ["-m", "pip", "download", "--no-deps", ...WHEEL_TARGET, "--progress-bar", "on", "-d", folder, ...wanted]);
  }
  return requirements.map((requirement) => {
    const name = requirement.split(/[<>=!~;\s]/)[0];
    const exact = requirement.includes("==") ? requirement : name;
    const file = findWheel(folder, exact);
    if (!file) throw new Error(`pip finished but no wheel for ${requirement} is in ${folder}.`);
    return describeWheel(file);
  });
}

const UNPACK_SCRIPT = `
import sys, zipfile, json
wheel, target, prefixes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
count = 0
with zipfile.ZipFile(wheel) as archive:
    for member in archive.infolist():
        if any(member.filename == p or (p.endswith("/") and member.filename.startswith(p)) for p in prefixes):
            archive.extract(member, target)
            count += 1
print(count)
`;

/**
 * Extracts the members named (exact paths, or folders ending in "/") with the user's python;
 * returns how many were extracted. Shared libraries keep their executable bits through chmod.
 */
export function unpackWheel(python: string, wheel: string, target: string, members: string[]): number {
  const result = spawnSync(python, ["-c", UNPACK_SCRIPT, wheel, target, JSON.stringify(members)], { encoding: "utf8" });
  if (result.status !== 0)
    throw new Error(`Unpacking ${path.basename(wheel)} failed: ${(result.stderr || result.error?.message || "").trim().split("\n").pop()}`);
  return Number(result.stdout.trim());
}

/** Every member's path inside a wheel. */
export function listWheel(python: string, wheel: string): string[] {
  const script = "import sys, zipfile; print(chr(10).join(zipfile.ZipFile(sys.argv[1]).namelist()))";
  const result = spawnSync(python, ["-c", script, wheel], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`Listing ${path.basename(wheel)} failed: ${(result.stderr || "").trim().split("\n").pop()}`);
  return result.stdout.split("\n").filter(Boolean);
}

const METADATA_SCRIPT = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    sys.stdout.write(archive.read(name).decode("utf-8"))
`;

export function wheelMetadata(python: string, wheel: string): string {
  const result = spawnSync(python, ["-c", METADATA_SCRIPT, wheel], { encoding: "utf8", maxBuffer: 16 << 20 });
  if (result.status !== 0) throw new Error(`Reading ${path.basename(wheel)}'s METADATA failed: ${(result.stderr || "").trim().split("\n").pop()}`);
  return result.stdout;
}

/**
 * The requirements a wheel's METADATA declares for one extra, as pip requirement strings
 * ("nvidia-cudnn-cu12<10.0,>=9.3.0.75"): for tensorflow's "and-cuda", the CUDA 12 wheels.
 */
export function extraRequirements(metadata: string, extra: string): string[] {
  const marker = new RegExp(`;\\s*extra\\s*==\\s*["']${extra.replace(/[-_.]/g, "[-_.]")}["']\\s*$`);
  return metadata
    .split("\n")
    .filter((line) => line.startsWith("Requires-Dist:") && marker.test(line))
    .map((line) => line.slice("Requires-Dist:".length).replace(marker, "").trim().replace(/\s+/g, ""));
}
