import { IKernelSpecs, type IKernel } from "@jupyterlite/services";
import { TsfineLiteKernel } from "./kernel";

declare const __webpack_public_path__: string;

/** Registers the tsfine kernel with JupyterLite; the worker and its declarations sit beside this bundle. */
const plugin = {
  id: "tsfine-lite:kernel",
  description: "tsfine: TypeScript with tf and display, in the browser.",
  autoStart: true,
  requires: [IKernelSpecs],
  activate: (_app: unknown, kernelspecs: IKernelSpecs) => {
    const assetsUrl = new URL(__webpack_public_path__, self.location.href).href;
    kernelspecs.register({
      spec: {
        name: "tsfine",
        display_name: "TypeScript (tsfine, in the browser)",
        language: "typescript",
        argv: [],
        resources: { "logo-32x32": new URL("logo-32x32.png", assetsUrl).href, "logo-64x64": new URL("logo-64x64.png", assetsUrl).href },
      },
      create: async (options: IKernel.IOptions) => new TsfineLiteKernel({ ...options, assetsUrl }),
    });
  },
};

export default [plugin];
