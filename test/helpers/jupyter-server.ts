/**
 * A Jupyter server (JupyterLab or nbclassic) from the test venv, on a free loopback port, with
 * no token and no password, for the real-browser suites; and opening a notebook in JupyterLab.
 */
import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { type JupyterEnv, repoRoot } from "./jupyter-env";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* server not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Jupyter server did not answer at ${url} within ${timeoutMs} ms`);
}

/** `jupyter lab` options: token off, loopback only, no news or update checks. */
export function jupyterLabArgs(port: number, root: string): string[] {
  return [
    "lab",
    "--no-browser",
    "--allow-root",
    `--port=${port}`,
    "--ip=127.0.0.1",
    "--IdentityProvider.token=",
    "--ServerApp.password=",
    "--ServerApp.disable_check_xsrf=True",
    `--ServerApp.root_dir=${root}`,
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
  ];
}

/** `jupyter nbclassic` options: token off, loopback only. */
export function nbclassicArgs(port: number, root: string): string[] {
  return [
    "nbclassic",
    "--no-browser",
    "--allow-root",
    `--port=${port}`,
    "--ip=127.0.0.1",
    "--NotebookApp.token=",
    "--NotebookApp.password=",
    `--NotebookApp.notebook_dir=${root}`,
    "--ServerApp.token=",
    `--ServerApp.root_dir=${root}`,
  ];
}

/** Waits until the classic Notebook has the notebook open with the tsfine kernel connected and idle. */
export async function classicNotebookReady(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const nb = (window as any).Jupyter?.notebook;
      return nb?.kernel?.name === "tsfine" && nb.kernel.is_connected() && document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
    },
    undefined,
    { timeout: 60_000 },
  );
}

export interface JupyterServer {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Starts `jupyter ARGS` in `jupyter`'s environment and waits until its API answers. TSFINE_DEBUG=1 shows its log. */
export async function startJupyterServer(jupyter: JupyterEnv, args: (port: number, root: string) => string[]): Promise<JupyterServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spawn(path.join(repoRoot, ".venv", "bin", "jupyter"), args(port, jupyter.dir), { env: jupyter.env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (d) => process.env.TSFINE_DEBUG && process.stderr.write(d));
  server.stderr!.on("data", (d) => process.env.TSFINE_DEBUG && process.stderr.write(d));
  try {
    await waitForHttp(`${baseUrl}/api/status`, 60_000);
  } catch (error) {
    server.kill("SIGTERM");
    throw error;
  }
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  return {
    baseUrl,
    // Waits for the server to end: it shuts its kernels down and writes into the Jupyter folder as it goes,
    // and removing that folder meanwhile fails (ENOTEMPTY).
    async stop() {
      if (server.exitCode !== null || server.signalCode !== null) return;
      server.kill("SIGTERM");
      const killed = setTimeout(() => server.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(killed);
    },
  };
}

/** Waits until a notebook is open in JupyterLab with the tsfine kernel idle (answering the kernel dialog if Lab asks). */
export async function labNotebookReady(page: Page): Promise<void> {
  await page.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 60_000 });
  await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 60_000 });
  await answerKernelDialog(page);
}

/** JupyterLab may still ask which kernel to use: when its dialog shows, answers with ours. */
export async function answerKernelDialog(page: Page): Promise<void> {
  const dialog = page.locator(".jp-Dialog");
  if (await dialog.isVisible().catch(() => false)) {
    await dialog
      .locator("select")
      .selectOption({ label: "TypeScript (tsfine)" })
      .catch(() => undefined);
    await dialog.locator("button:has-text('Select')").click();
  }
}

/** Run → Run All Cells from JupyterLab's menu bar. */
export async function labRunAll(page: Page): Promise<void> {
  await page.click(".lm-MenuBar-itemLabel:text-is('Run')");
  await page.click(".lm-Menu-itemLabel:text-is('Run All Cells')");
}
