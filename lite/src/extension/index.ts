import { IKernelClient, IKernelSpecs, type IKernel } from "@jupyterlite/services";
import { TsfineLiteKernel } from "./kernel";

declare const __webpack_public_path__: string;

/** Registers the tsfine kernel with JupyterLite; the worker and its declarations sit beside this bundle. */
const plugin = {
  id: "tsfine-lite:kernel",
  description: "tsfine: TypeScript with tf and display, in the browser.",
  autoStart: true,
  requires: [IKernelSpecs, IKernelClient],
  activate: (_app: unknown, kernelspecs: IKernelSpecs, client: IKernelClient) => {
    const assetsUrl = new URL(__webpack_public_path__, self.location.href).href;
    const kernels = new Map<string, TsfineLiteKernel>();
    // JupyterLite's interrupt only drops the cells still queued: our kernels also stop the running one.
    const dropQueued = client.interrupt.bind(client);
    client.interrupt = async (id: string) => {
      kernels.get(id)?.interrupt();
      return dropQueued(id);
    };
    kernelspecs.register({
      spec: {
        name: "tsfine",
        display_name: "TypeScript (tsfine, in the browser)",
        language: "typescript",
        argv: [],
        resources: { "logo-32x32": new URL("logo-32x32.png", assetsUrl).href, "logo-64x64": new URL("logo-64x64.png", assetsUrl).href },
      },
      create: async (options: IKernel.IOptions) => {
        const kernel = new TsfineLiteKernel({ ...options, assetsUrl });
        kernels.set(options.id, kernel);
        kernel.disposed.connect(() => kernels.delete(options.id));
        return kernel;
      },
    });
  },
};

export default [plugin];
