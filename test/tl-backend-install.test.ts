/**
 * `tsfine backend install cpu|gpu` as a user runs it (bin/tsfine.js, dist/): what it says is
 * missing, that a second run does nothing, that an interrupted install leaves nothing
 * half-made, and for gpu the steps that need no CUDA files (which wheels it asks pip for, which
 * libraries the binding preloads, how init() passes it over without an NVIDIA driver).
 * The wheel comes from the cpu install .ci/run made under TSFINE_NATIVE_CACHE.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CUDA_PRELOADS, cudaMembers, findPreloads, preloadLinkerFlags } from "../tl/backend/native/cuda";
import { cudaRequirements } from "../tl/backend/native/install";
import { findWheel } from "../tl/backend/native/wheels";

const cli = path.join(__dirname, "..", "bin", "tsfine.js");
const nativeCache = process.env.TSFINE_NATIVE_CACHE ?? "/tmp/tsfine-native";
const cpuDownloads = path.join(nativeCache, "tsfine", "downloads", "tensorflow-2.21.0-cpu");
const wheel = findWheel(cpuDownloads, "tensorflow-cpu==2.21.0");

function tsfine(args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 120_000 });
}

const temporary: string[] = [];
afterAll(() => temporary.forEach((folder) => fs.rmSync(folder, { recursive: true, force: true })));

function tempCache(prefix = "tsfine-install-test-"): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(folder);
  return folder;
}

/** A temporary cache whose downloads already hold tensorflow-cpu's wheel, as an earlier install left it. */
function tempCacheWithWheel(): string {
  const cache = tempCache();
  const downloads = path.join(cache, "tsfine", "downloads", "tensorflow-2.21.0-cpu");
  fs.mkdirSync(downloads, { recursive: true });
  const copy = path.join(downloads, path.basename(wheel as string));
  try {
    fs.linkSync(wheel as string, copy);
  } catch {
    fs.copyFileSync(wheel as string, copy); // another file system
  }
  return cache;
}

/** Like tl-backend.test.ts: in CI the part must be there; elsewhere the test skips, saying why. */
function testNeeding(present: boolean, part: string): jest.It {
  if (present) return test;
  if (process.env.CI) {
    return ((name: string) =>
      test(name, () => {
        throw new Error(`${part} is missing: .ci/run must run \`tsfine backend install cpu\` with XDG_CACHE_HOME=$TSFINE_NATIVE_CACHE.`);
      })) as unknown as jest.It;
  }
  console.log(`skipping tests that need ${part}`);
  return test.skip;
}

describe("tsfine backend install: before anything is downloaded", () => {
  test("everything missing is named in one sentence, and nothing is written", () => {
    // A PATH with node only: no compiler, no make; a python that does not exist.
    const bin = tempCache("tsfine-bare-path-");
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const cache = tempCache();
    const result = tsfine(["backend", "install", "gpu"], { PATH: bin, CXX: "", TSFINE_PYTHON: "/nonexistent/python3", XDG_CACHE_HOME: cache });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      "tsfine backend: Cannot install the native gpu backend: this machine lacks pip (`/nonexistent/python3 -m pip --version` failed), " +
        "a C++ compiler (c++, g++ or clang++), make and an NVIDIA driver (/proc/driver/nvidia/version is missing); " +
        "add them and run `tsfine backend install gpu` again.",
    );
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(fs.existsSync(path.join(cache, "tsfine", "downloads"))).toBe(false);
  });

  test("a wrong kind or action is one usage line", () => {
    const result = tsfine(["backend", "install", "tpu"], { XDG_CACHE_HOME: tempCache() });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^tsfine backend: usage: tsfine backend \[install cpu\|gpu\|webgpu \| .*uninstall cpu\|gpu\]$/);
  });

  test("uninstall with nothing installed says so", () => {
    const result = tsfine(["backend", "uninstall", "cpu"], { XDG_CACHE_HOME: tempCache() });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe("The native cpu backend is not installed; nothing to remove.");
  });
});

describe("tsfine backend install cpu, with the wheel already downloaded", () => {
  const installed = fs.existsSync(path.join(nativeCache, "tsfine", "backends", "cpu", "tsfine-backend.json"));

  testNeeding(installed, `the native cpu backend in ${nativeCache}`)("a second run does nothing and says so", () => {
    const started = Date.now();
    const result = tsfine(["backend", "install", "cpu"], { XDG_CACHE_HOME: nativeCache });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(
      `The native cpu backend (TensorFlow 2.21.0, tfjs-node 4.22.0) is already installed in ${nativeCache}/tsfine/backends/cpu; nothing to do.`,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  testNeeding(wheel !== undefined, `tensorflow-cpu 2.21.0's wheel in ${cpuDownloads}`)(
    "interrupted while it builds, it leaves no backend; the next command removes the leftover folder",
    async () => {
      const cache = tempCacheWithWheel();
      const child = spawn(process.execPath, [cli, "backend", "install", "cpu"], {
        env: { ...process.env, XDG_CACHE_HOME: cache },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const deadline = Date.now() + 180_000;
      while (!/\[4\/5\] Building the binding/.test(output) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(output).toMatch(/\[1\/5\] Downloading tensorflow-cpu==2\.21\.0 .*\n.*\(274 MB\)\n\[2\/5\] Fetching @tensorflow\/tfjs-node@4\.22\.0's sources/);
      expect(output).toMatch(/\[3\/5\] Unpacking TensorFlow's libraries and C API headers\n\s+\d+ MB in deps\//);
      // Ctrl-C in a terminal: SIGINT to the whole process group (node, node-gyp, make, the compiler).
      process.kill(-(child.pid as number), "SIGINT");
      await exited;
      const backends = path.join(cache, "tsfine", "backends");
      expect(fs.readdirSync(backends)).toEqual([expect.stringMatching(/^\.cpu\.partial-\d+$/)]);
      const described = tsfine(["backend"], { XDG_CACHE_HOME: cache });
      expect(described.stdout).toContain(`✗ tfjs-node: the native cpu backend is not installed (nothing in ${backends}/cpu)`);
      const removed = tsfine(["backend", "uninstall", "cpu"], { XDG_CACHE_HOME: cache });
      expect(removed.stdout).toMatch(
        /^Removing \.cpu\.partial-\d+, left by an interrupted install\.\nRemoved the native cpu backend and its wheels \(274 MB\)\.\n$/,
      );
      expect(fs.readdirSync(backends)).toEqual([]);
    },
    240_000,
  );
});

describe("tsfine backend install cpu: a binding built by an older tsfine", () => {
  testNeeding(wheel !== undefined, `tensorflow-cpu 2.21.0's wheel in ${cpuDownloads}`)(
    "is named as such, and the next install rebuilds it with the patched binding from the wheel already there",
    () => {
      const cache = tempCacheWithWheel();
      // What an install made before the binding patch left: its manifest has no bindingRevision.
      const dir = path.join(cache, "tsfine", "backends", "cpu");
      const binding = path.join(dir, "node_modules", "@tensorflow", "tfjs-node", "lib", "napi-v8", "tfjs_binding.node");
      fs.mkdirSync(path.dirname(binding), { recursive: true });
      fs.writeFileSync(binding, "");
      const manifest = { variant: "cpu", tensorflow: "2.21.0", tfjsNode: "4.22.0", npmPackage: "@tensorflow/tfjs-node", napi: 8, wheels: [], preloads: [] };
      fs.writeFileSync(path.join(dir, "tsfine-backend.json"), JSON.stringify(manifest));

      const described = tsfine(["backend"], { XDG_CACHE_HOME: cache });
      expect(described.stdout).toContain(
        `✗ tfjs-node: the native cpu backend in ${dir} has a binding built by an older tsfine (revision 1; this one needs 2, which can call TensorFlow's fused ops); ` +
          "run `tsfine backend install cpu` again to rebuild it from the wheels already downloaded",
      );

      const rebuilt = spawnSync(process.execPath, [cli, "backend", "install", "cpu"], {
        env: { ...process.env, XDG_CACHE_HOME: cache },
        encoding: "utf8",
        timeout: 420_000,
      });
      expect(rebuilt.status).toBe(0);
      expect(rebuilt.stdout).toMatch(/\[2\/5\] Fetching @tensorflow\/tfjs-node@4\.22\.0's sources with npm pack, and patching its binding/);
      expect(rebuilt.stdout).toMatch(/Installed the native cpu backend \(TensorFlow 2\.21\.0, \d+ MB\) in /);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "tsfine-backend.json"), "utf8")).bindingRevision).toBe(2);
      expect(fs.statSync(binding).size).toBeGreaterThan(10_000); // the built binding, not the empty stand-in
      const source = fs.readFileSync(path.join(dir, "node_modules", "@tensorflow", "tfjs-node", "binding", "tfjs_backend.cc"), "utf8");
      expect(source).toContain("TFE_OpSetAttrStringList(tfe_op, attr_name");
      expect(source).toContain("TFE_OpSetAttrTypeList(tfe_op, attr_name");

      const again = tsfine(["backend", "install", "cpu"], { XDG_CACHE_HOME: cache });
      expect(again.stdout.trim()).toBe(`The native cpu backend (TensorFlow 2.21.0, tfjs-node 4.22.0) is already installed in ${dir}; nothing to do.`);
    },
    480_000,
  );
});

describe("tsfine backend install gpu: the steps that need no CUDA files", () => {
  testNeeding(wheel !== undefined, `tensorflow-cpu 2.21.0's wheel in ${cpuDownloads}`)(
    "asks pip for the twelve CUDA 12 wheels tensorflow[and-cuda]==2.21.0 declares",
    () => {
      // tensorflow and tensorflow-cpu 2.21.0 declare the same "and-cuda" extra in their METADATA.
      const requirements = cudaRequirements(process.env.TSFINE_PYTHON || "python3", wheel as string);
      expect(requirements.map((requirement) => requirement.split(/[<>=]/)[0]).sort()).toEqual([
        "nvidia-cublas-cu12",
        "nvidia-cuda-cupti-cu12",
        "nvidia-cuda-nvcc-cu12",
        "nvidia-cuda-nvrtc-cu12",
        "nvidia-cuda-runtime-cu12",
        "nvidia-cudnn-cu12",
        "nvidia-cufft-cu12",
        "nvidia-curand-cu12",
        "nvidia-cusolver-cu12",
        "nvidia-cusparse-cu12",
        "nvidia-nccl-cu12",
        "nvidia-nvjitlink-cu12",
      ]);
      expect(requirements).toContain("nvidia-cudnn-cu12<10.0,>=9.3.0.75");
    },
  );

  test("unpacks only the wheels' shared libraries, and the binding preloads cusolver, curand and nvrtc by soname", () => {
    // The layout the nvidia-*-cu12 wheels unpack to (file names as in the 12.9 / cuDNN 9 wheels).
    const listing = [
      "nvidia/cusolver/lib/libcusolver.so.11",
      "nvidia/cusolver/lib/libcusolverMg.so.11",
      "nvidia/cusolver/include/cusolverDn.h",
      "nvidia/curand/lib/libcurand.so.10",
      "nvidia/cuda_nvrtc/lib/libnvrtc.so.12",
      "nvidia/cuda_nvrtc/lib/libnvrtc-builtins.so.12.9",
      "nvidia/cublas/lib/libcublas.so.12",
      "nvidia/cublas/lib/libcublasLt.so.12",
      "nvidia/cudnn/lib/libcudnn.so.9",
      "nvidia/cudnn/lib/libcudnn_graph.so.9",
      "nvidia/cuda_runtime/lib/libcudart.so.12",
      "nvidia_cusolver_cu12-11.7.5.82.dist-info/METADATA",
    ];
    const members = cudaMembers(listing);
    expect(members).not.toContain("nvidia/cusolver/include/cusolverDn.h");
    expect(members).not.toContain("nvidia_cusolver_cu12-11.7.5.82.dist-info/METADATA");
    const deps = tempCache("tsfine-cuda-layout-");
    for (const member of members) {
      fs.mkdirSync(path.join(deps, path.dirname(member)), { recursive: true });
      fs.writeFileSync(path.join(deps, member), "");
    }
    const preloads = findPreloads(deps);
    expect(preloads.map((entry) => entry.file)).toEqual([
      "libcudart.so.12",
      "libcublasLt.so.12",
      "libcublas.so.12",
      "libcusolver.so.11",
      "libcurand.so.10",
      "libnvrtc.so.12",
      "libcudnn.so.9",
    ]);
    expect(CUDA_PRELOADS).toEqual(expect.arrayContaining(["libcusolver", "libcurand", "libnvrtc"]));
    const flags = preloadLinkerFlags(deps, preloads);
    expect(flags).toContain("-Wl,-rpath,\\$$ORIGIN/../../deps/nvidia/cusolver/lib");
    expect(flags).toContain("-l:libcusolver.so.11");
    expect(flags.indexOf("-Wl,--no-as-needed")).toBeLessThan(flags.indexOf("-l:libcudart.so.12"));
  });

  test("without an NVIDIA driver, init() passes the gpu variant over with that reason", () => {
    if (fs.existsSync("/proc/driver/nvidia/version")) return; // a GPU machine: the other branch runs
    const result = tsfine(["backend"], { XDG_CACHE_HOME: tempCache() });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("✗ tfjs-node-gpu: the native gpu backend is not installed, and this machine has no NVIDIA driver\n");
  });
});
