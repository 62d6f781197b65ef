import { readFileSync } from "node:fs";

/**
 * plotly.js, inlined into the first figure's HTML so figures draw with no extension and no
 * internet. The minified build (plotly.js-dist-min, ~4.8 MB) keeps that one output under the
 * output guard's limit; plotly.js-dist only ships a 10 MB unminified build.
 */
let cachedScript: string | undefined;

function librarySource(): string {
  return readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
}

/**
 * Sequences that would end or confuse an inline <script> element are written with \x3C, which
 * means "<" inside JavaScript strings, template literals and regular expressions alike.
 */
function safeForInlineScript(source: string): string {
  return source.replace(/<(\/script|!--|script)/gi, "\\x3C$1");
}

/**
 * A <script> that defines window.Plotly unless the page already has it (a re-run, or a reopened
 * notebook where an earlier output loaded it). `define`, `module` and `exports` are hidden while
 * it runs so classic Notebook's requirejs cannot capture the UMD bundle as an anonymous module.
 */
export function plotlyLibraryScript(): string {
  if (cachedScript === undefined) {
    cachedScript =
      `<script type="text/javascript">if (!window.Plotly) { (function (define, module, exports) {\n` +
      `${safeForInlineScript(librarySource())}\n}).call(window); }</script>`;
  }
  return cachedScript;
}
