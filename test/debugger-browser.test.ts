/**
 * JupyterLab 4's debugger panel on the tsfine kernel, in Debian's chromium, as a person uses it: turn the
 * debugger on in the notebook's toolbar, click a cell's gutter for a breakpoint, run the cell, see the
 * paused line highlighted and the variables panel (a value, a tensor's summary), step, continue. And the
 * user's own .ts file in Lab's file editor: a console for the editor, the editor's debugger on, a breakpoint
 * from its gutter, a console cell importing and calling the file, the paused line highlighted in the editor.
 * Screenshots go to test-output/debugger/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { describeWithJupyter, notebook, repoRoot } from "./helpers/jupyter-env";
import { jupyterInBrowser } from "./helpers/jupyter-in-browser";
import { answerKernelDialog, jupyterLabArgs, labNotebookReady } from "./helpers/jupyter-server";

jest.setTimeout(300_000);

const screenshots = path.join(repoRoot, "test-output", "debugger");
const CELLS = ["const t = tf.tensor([1, 2, 3]);", "const a = 40 + 1;\nconst b = a * 2;\nb"];
const HELPER_TS = "export function triple(n: number): number {\n  const result = n * 3;\n  return result;\n}\n";

describeWithJupyter("JupyterLab 4's debugger in a real browser", () => {
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(screenshots, `${name}.png`) });
  const session = jupyterInBrowser(jupyterLabArgs, (dir) => {
    fs.mkdirSync(screenshots, { recursive: true });
    fs.writeFileSync(path.join(dir, "debug.ipynb"), JSON.stringify(notebook(CELLS)));
    fs.writeFileSync(path.join(dir, "helper.ts"), HELPER_TS);
  });

  /** Clicks the breakpoint gutter beside line `line` (1-based) of cell `cell` (0-based). */
  async function clickGutter(cell: number, line: number): Promise<void> {
    const target = page.locator(".jp-Notebook .jp-Cell").nth(cell);
    const gutter = await target.locator("div.cm-breakpoint-gutter").boundingBox();
    const row = await target
      .locator(".cm-line")
      .nth(line - 1)
      .boundingBox();
    if (!gutter || !row) throw new Error("the cell's breakpoint gutter is not on the page");
    await page.mouse.click(gutter.x + gutter.width / 2, row.y + row.height / 2);
  }

  /** A button of the "Paused in Debugger" bar over the notebook. */
  async function pausedBarButton(title: string): Promise<void> {
    await page.locator(`.jp-DebuggerPausedButton[title="${title}"]`).first().click();
  }

  test("breakpoint from the gutter, paused line highlighted, variables with a tensor summary, step, continue", async () => {
    page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${session.server.baseUrl}/lab/tree/debug.ipynb`);
    await labNotebookReady(page);
    try {
      // the first cell runs without the debugger: a cell that ran before still takes breakpoints later
      await page.locator(".jp-Notebook .jp-Cell").nth(0).click();
      await page.keyboard.press("Shift+Enter");
      await page.waitForFunction(
        () => document.body.innerText.includes("TypeScript (tsfine) | Idle") && document.querySelector(".jp-InputPrompt")?.textContent?.includes("1"),
        undefined,
        { timeout: 120_000 },
      );

      await page.locator(".jp-DebuggerBugButton").first().click();
      await page.locator(".jp-DebuggerBugButton[aria-pressed='true']").first().waitFor({ timeout: 60_000 });
      await page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".cm-content").click();
      await clickGutter(1, 2);
      await page.locator(".jp-DebuggerBreakpoint").first().waitFor({ timeout: 30_000 });
      await shot("1-breakpoint-set");

      await page.keyboard.press("Shift+Enter");
      const highlighted = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-DebuggerEditor-highlight");
      await highlighted.waitFor({ timeout: 120_000 });
      expect(await highlighted.innerText()).toContain("const b = a * 2;");
      const variables = page.locator(".jp-DebuggerVariables");
      // the tree shows a value, and a tensor's dtype and shape as its type
      await variables.getByText("41").first().waitFor({ timeout: 60_000 });
      await variables.getByText("Tensor float32 [3]").first().waitFor({ timeout: 60_000 });
      await shot("2-paused-on-line-2");
      // the table (drawn on a canvas, so seen in the screenshot) shows the tensor's first values too
      await page.locator('[title="Table View"]').first().click();
      await shot("3-variables-table");
      await page.locator('[title="Tree View"]').first().click();
      // the tensor opens as its rich display (richInspectVariables)
      await variables.getByText("Tensor float32 [3]").first().hover();
      await page.locator('[title="Render variable: t"]').first().click();
      await page.getByText("Tensor shape [3] float32").first().waitFor({ timeout: 60_000 });
      await shot("3b-rendered");

      await pausedBarButton("Next");
      await page
        .locator(".jp-Notebook .jp-Cell")
        .nth(1)
        .locator(".jp-DebuggerEditor-highlight", { hasText: "b" })
        .filter({ hasNotText: "const" })
        .waitFor({ timeout: 60_000 });
      await variables.getByText("82").first().waitFor({ timeout: 60_000 });
      await shot("4-after-next");

      await pausedBarButton("Continue");
      await page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output", { hasText: "82" }).waitFor({ timeout: 60_000 });
      expect(await highlighted.count()).toBe(0);
      await shot("5-continued");
    } catch (error) {
      await shot("failed");
      throw error;
    }
  });

  test("a breakpoint in the file editor on the user's .ts file stops where the editor's console calls into it", async () => {
    page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // a workspace of its own: the notebook of the test before stays out of it
    await page.goto(`${session.server.baseUrl}/lab/workspaces/file-editor/tree/helper.ts`);
    const editor = page.locator(".jp-FileEditor");
    await editor.locator(".cm-content").waitFor({ timeout: 60_000 });
    try {
      // The file editor gets the debugger's gutter when a kernel session has the file's path: its console's.
      await editor.locator(".cm-content").click({ button: "right" });
      await page.locator(".lm-Menu-item", { hasText: "Create Console for Editor" }).first().click();
      const console_ = page.locator(".jp-CodeConsole");
      await console_.waitFor({ timeout: 60_000 });
      await page.waitForFunction(
        () => document.querySelector(".jp-Dialog") !== null || document.body.innerText.includes("TypeScript (tsfine) | Idle"),
        undefined,
        { timeout: 120_000 },
      );
      await answerKernelDialog(page);
      await page.waitForFunction(() => document.body.innerText.includes("TypeScript (tsfine) | Idle"), undefined, { timeout: 120_000 });

      await editor.locator(".cm-content").click();
      // the editor has its own debugger button once its session (the console's, which has the file's path) is known;
      // it is enabled once that kernel announced its debugger
      const editorPanel = page.locator(".jp-MainAreaWidget:has(.jp-FileEditor)");
      await editorPanel.locator(".jp-DebuggerBugButton:enabled").first().click({ timeout: 60_000 });
      await editorPanel.locator(".jp-DebuggerBugButton[aria-pressed='true']").first().waitFor({ timeout: 60_000 });
      const gutter = editor.locator("div.cm-breakpoint-gutter");
      await gutter.waitFor({ timeout: 60_000 });
      const gutterBox = await gutter.boundingBox();
      const line2 = await editor.locator(".cm-line").nth(1).boundingBox();
      if (!gutterBox || !line2) throw new Error("the file editor's breakpoint gutter is not on the page");
      await page.mouse.click(gutterBox.x + gutterBox.width / 2, line2.y + line2.height / 2);
      await page.locator(".jp-DebuggerBreakpoint").first().waitFor({ timeout: 30_000 });
      await shot("file-1-breakpoint-in-editor");

      await console_.locator(".jp-CodeConsole-promptCell .cm-content").click();
      await page.keyboard.insertText('import { triple } from "./helper";\ntriple(4)');
      await page.keyboard.press("Shift+Enter");
      const highlighted = editor.locator(".jp-DebuggerEditor-highlight");
      await highlighted.waitFor({ timeout: 120_000 });
      expect(await highlighted.innerText()).toContain("const result = n * 3;");
      await page.locator(".jp-DebuggerVariables").getByText("4").first().waitFor({ timeout: 60_000 });
      await shot("file-2-paused-in-editor");

      await pausedBarButton("Continue");
      await console_.locator(".jp-OutputArea-output", { hasText: "12" }).waitFor({ timeout: 60_000 });
      expect(await highlighted.count()).toBe(0);
      await shot("file-3-continued");
    } catch (error) {
      await shot("file-failed");
      throw error;
    }
  });
});
