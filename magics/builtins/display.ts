/** Cells shown as rich output instead of run: %%html, %%markdown, %%latex, %%svg, %%javascript. */
import { MagicDefinition } from "../declaration";
import { stringLiteral } from "../literals";

function displayMagic(name: string, what: string, call: (body: string) => string): MagicDefinition {
  return {
    name,
    kind: "cell",
    summary: `Show the cell as ${what}.`,
    expand: (_args, context) => `${call(stringLiteral(context.body ?? ""))};`,
  };
}

export const displayMagics: MagicDefinition[] = [
  displayMagic("html", "HTML", (body) => `display.html(${body})`),
  displayMagic("markdown", "Markdown", (body) => `display.markdown(${body})`),
  displayMagic("latex", "LaTeX", (body) => `display.latex(${body})`),
  displayMagic("svg", "an SVG image", (body) => `display.svg(${body})`),
  displayMagic("javascript", "JavaScript run in the browser (not in the kernel)", (body) => `display.bundle({ "application/javascript": ${body} })`),
];
