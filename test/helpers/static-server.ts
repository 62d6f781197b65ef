/** A static file server on the loopback: what GitHub Pages or `python3 -m http.server` does, nothing more. */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".ipynb": "application/json",
  ".webmanifest": "application/manifest+json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
};

export interface StaticServer {
  server: Server;
  origin: string;
  close(): Promise<void>;
}

/** Serves `folder` on 127.0.0.1 (a free port), with `headers` on every response (COOP/COEP, say). */
export function serveFolder(folder: string, headers: OutgoingHttpHeaders = {}): Promise<StaticServer> {
  const server = createServer((request, response) => {
    const file = join(folder, normalize(decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, ""));
    const target = existsSync(file) && statSync(file).isDirectory() ? join(file, "index.html") : file;
    if (!existsSync(target)) {
      response.writeHead(404, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, "content-type": TYPES[extname(target)] ?? "application/octet-stream" });
    createReadStream(target).pipe(response);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        server,
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}
