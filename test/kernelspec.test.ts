/**
 * `tsfine install` / `uninstall` as a user runs them: the kernelspec lands where Jupyter looks,
 * with absolute paths, interrupt_mode and both logos, and `jupyter kernelspec list` finds it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repoRoot = path.resolve(__dirname, "..");
const cli = path.join(repoRoot, "bin", "tsfine.js");

function findJupyter(): string | undefined {
  const candidates = [path.join(repoRoot, ".venv", "bin", "jupyter"), "/usr/bin/jupyter"];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) candidates.push(path.join(dir, "jupyter"));
  return candidates.find((candidate) => fs.existsSync(candidate));
}

describe("tsfine install / uninstall", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const tsfine = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { env, encoding: "utf8" });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-spec-"));
    env = {
      ...process.env,
      JUPYTER_DATA_DIR: path.join(dir, "data"),
      JUPYTER_PATH: path.join(dir, "path"),
      JUPYTER_CONFIG_DIR: path.join(dir, "config"),
      JUPYTER_RUNTIME_DIR: path.join(dir, "runtime"),
      JUPYTER_PLATFORM_DIRS: "1",
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("--user writes kernels/tsfine/kernel.json under JUPYTER_DATA_DIR with absolute node and script paths and logos", () => {
    const run = tsfine("install", "--user");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const specDir = path.join(dir, "data", "kernels", "tsfine");
    const spec = JSON.parse(fs.readFileSync(path.join(specDir, "kernel.json"), "utf8"));
    expect(spec.argv).toEqual([process.execPath, "--no-force-async-hooks-checks", cli, "kernel", "--connection-file", "{connection_file}"]);
    expect(path.isAbsolute(spec.argv[0]) && path.isAbsolute(spec.argv[2])).toBe(true);
    expect(spec).toMatchObject({ display_name: "TypeScript (tsfine)", language: "typescript", interrupt_mode: "message" });
    for (const [logo, size] of [
      ["logo-32x32.png", 32],
      ["logo-64x64.png", 64],
    ] as const) {
      const png = fs.readFileSync(path.join(specDir, logo));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([size, size]);
    }
  });

  test("--prefix, --name and --display-name choose where and how it is listed; uninstall removes it", () => {
    expect(tsfine("install", "--prefix", path.join(dir, "env"), "--name", "ts-test", "--display-name", "TS test").status).toBe(0);
    const specFile = path.join(dir, "env", "share", "jupyter", "kernels", "ts-test", "kernel.json");
    expect(JSON.parse(fs.readFileSync(specFile, "utf8")).display_name).toBe("TS test");
    const removed = tsfine("uninstall", "--prefix", path.join(dir, "env"), "--name", "ts-test");
    expect(removed.status).toBe(0);
    expect(fs.existsSync(specFile)).toBe(false);
    expect(tsfine("uninstall", "--prefix", path.join(dir, "env"), "--name", "ts-test").status).toBe(1);
  });

  test("--sys-prefix installs into the active Python environment (VIRTUAL_ENV)", () => {
    env.VIRTUAL_ENV = path.join(dir, "venv");
    expect(tsfine("install", "--sys-prefix").status).toBe(0);
    expect(fs.existsSync(path.join(dir, "venv", "share", "jupyter", "kernels", "tsfine", "kernel.json"))).toBe(true);
  });

  test("bad names and conflicting locations are refused with one sentence", () => {
    const badName = tsfine("install", "--user", "--name", "no spaces/please");
    expect(badName.status).toBe(1);
    expect(badName.stderr).toMatch(/Kernel name "no spaces\/please" is not allowed/);
    const both = tsfine("install", "--user", "--prefix", dir);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/Choose one of --user, --sys-prefix and --prefix/);
  });

  test("`jupyter kernelspec list --json` finds the installed kernel", () => {
    const jupyter = findJupyter();
    if (!jupyter) {
      console.warn("SKIPPED jupyter kernelspec list: no jupyter in .venv/bin, /usr/bin or on PATH");
      return;
    }
    expect(tsfine("install", "--user").status).toBe(0);
    const list = spawnSync(jupyter, ["kernelspec", "list", "--json"], { env, encoding: "utf8" });
    expect(list.status).toBe(0);
    const specs = JSON.parse(list.stdout).kernelspecs;
    expect(specs.tsfine.resource_dir).toBe(path.join(dir, "data", "kernels", "tsfine"));
    expect(specs.tsfine.spec.language).toBe("typescript");
  });
});
