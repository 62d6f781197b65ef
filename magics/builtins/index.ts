/** Every built-in magic, grouped by topic like IPython's core/magics/. */
import { MagicDefinition } from "../declaration";
import { basicMagics } from "./basic";
import { displayMagics } from "./display";
import { executionMagics } from "./execution";
import { historyMagics } from "./history";
import { namespaceMagics } from "./namespace";
import { osmMagics } from "./osm";
import { npmMagics } from "./packages";
import { scriptMagics } from "./script";
import { tensorflowMagics } from "./tensorflow";
import { tlMagics } from "./tl";

export const builtinMagics: MagicDefinition[] = [
  ...basicMagics,
  ...executionMagics,
  ...historyMagics,
  ...namespaceMagics,
  ...osmMagics,
  ...displayMagics,
  ...scriptMagics,
  ...npmMagics,
  ...tensorflowMagics,
  ...tlMagics,
];
