import * as tf from "@tensorflow/tfjs";

/**
 * What `import` reaches in the browser kernel: the packages the kernel bundles. A page has no
 * node_modules and no notebook folder to resolve other names from.
 */
const bundled: Record<string, unknown> = {
  "@tensorflow/tfjs": tf,
  "@tensorflow/tfjs-core": tf,
  "@tensorflow/tfjs-layers": tf,
};

export async function importModule(specifier: string): Promise<unknown> {
  const module = bundled[specifier];
  if (module !== undefined) return module;
  if (specifier.startsWith(".") || specifier.startsWith("/"))
    throw new Error(`The browser kernel cannot import "${specifier}": a page cannot read the notebook's folder; paste the code into a cell instead.`);
  throw new Error(
    `The browser kernel cannot import "${specifier}": it bundles only ${Object.keys(bundled).join(", ")}; run the notebook in the Node kernel (tsfine install) for other npm packages.`,
  );
}
