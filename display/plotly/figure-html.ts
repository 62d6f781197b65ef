import { randomBytes } from "node:crypto";
import { jsonForScript } from "../html";
import type { PlotlyFigure } from "./figure";
import type { PlotlyLibrary } from "./library";

/**
 * The text/html of a figure: a div that first holds the static SVG, then a script that swaps
 * in the interactive plot once window.Plotly exists. Plotly may arrive later than this script
 * runs (an earlier output still loading it, or JupyterLab attaching outputs after running
 * their scripts), so the script polls for both plotly.js and its div. In classic Notebook a
 * plotly registered with requirejs is used too. A figure that needs the full bundle waits while
 * the page has only tsfine's cartesian one (the full one may be in a later output). If no
 * plotly.js that can draw it appears (the output that carried it was cleared), the SVG stays
 * with a note.
 */
function drawScript(divId: string, figure: PlotlyFigure, library: PlotlyLibrary): string {
  return `<script type="text/javascript">
(function () {
  var divId = ${JSON.stringify(divId)};
  var figure = ${jsonForScript(figure)};
  var needsFull = ${library === "full"};
  var waitedMs = 0;
  function draw(Plotly, div) {
    div.innerHTML = "";
    Plotly.newPlot(div, figure.data, figure.layout, figure.config);
  }
  function attempt() {
    var div = document.getElementById(divId);
    var req = window.requirejs;
    if (!window.Plotly && typeof req === "function" && req.defined && req.defined("plotly")) {
      req(["plotly"], function (Plotly) { window.Plotly = window.Plotly || Plotly; attempt(); });
      return;
    }
    var usable = window.Plotly && !(needsFull && window.Plotly.tsfineLibrary === "cartesian");
    if (usable && div) { draw(window.Plotly, div); return; }
    waitedMs += 50;
    if (waitedMs < 30000) { setTimeout(attempt, 50); return; }
    if (div) {
      var note = document.createElement("div");
      note.style.cssText = "font-size:11px;color:#888";
      note.textContent = "Static image: plotly.js was not loaded on this page (re-run the notebook to make the figure interactive).";
      div.appendChild(note);
    }
  }
  attempt();
})();
</script>`;
}

export function newFigureElementId(): string {
  return `tsfine-plot-${randomBytes(6).toString("hex")}`;
}

export function figureHtml(figure: PlotlyFigure, staticSvg: string, libraryScript: string, library: PlotlyLibrary = "full"): string {
  const divId = newFigureElementId();
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 400;
  return (
    libraryScript + `<div id="${divId}" class="tsfine-plotly" style="width:100%;min-height:${height}px">${staticSvg}</div>` + drawScript(divId, figure, library)
  );
}
