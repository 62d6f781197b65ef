/**
 * The set-up every real-browser Jupyter suite shares: a throwaway Jupyter folder with the tsfine
 * kernelspec, a Jupyter server on it and Debian's chromium, started before the suite's tests and
 * ended after them.
 */
import type { Browser } from "playwright-core";
import { launchChromium } from "./browser";
import { type JupyterEnv, makeJupyterEnv } from "./jupyter-env";
import { type JupyterServer, startJupyterServer } from "./jupyter-server";

/** What a suite's tests use; each field is set once the suite's beforeAll has run. */
export interface JupyterInBrowser {
  jupyter: JupyterEnv;
  server: JupyterServer;
  browser: Browser;
}

/**
 * Called inside a describe(): registers its beforeAll (make the Jupyter folder, let `prepare` write the
 * suite's notebooks and files into it, start `jupyter ARGS` on it, start chromium) and its afterAll
 * (close the browser, stop the server, remove the folder; each only if it was started).
 */
export function jupyterInBrowser(args: (port: number, root: string) => string[], prepare: (dir: string) => void | Promise<void>): JupyterInBrowser {
  const session = {} as Partial<JupyterInBrowser>;

  beforeAll(async () => {
    session.jupyter = makeJupyterEnv();
    await prepare(session.jupyter.dir);
    session.server = await startJupyterServer(session.jupyter, args);
    session.browser = await launchChromium();
  });

  // The server ends before its folder goes: it writes there while it shuts its kernels down.
  afterAll(async () => {
    await session.browser?.close();
    await session.server?.stop();
    session.jupyter?.cleanup();
  });

  return session as JupyterInBrowser;
}
