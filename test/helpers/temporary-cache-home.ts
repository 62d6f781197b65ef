/**
 * Points XDG_CACHE_HOME (where tl caches downloaded backbones and word vectors) at a fresh
 * temporary folder for one test file, so nothing lands in the user's cache and no earlier run's
 * files are found; the previous value comes back afterwards.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function useTemporaryCacheHome(): { readonly path: string } {
  const saved = process.env.XDG_CACHE_HOME;
  const home = { path: "" };
  beforeAll(() => {
    home.path = fs.mkdtempSync(path.join(os.tmpdir(), "tsfine-cache-"));
    process.env.XDG_CACHE_HOME = home.path;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    fs.rmSync(home.path, { recursive: true, force: true });
  });
  return home;
}
