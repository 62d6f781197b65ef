/** `tsfine start`'s fallback HTML export: outputs land where they belong, whatever characters they hold. */
import { notebookToHtml } from "../kernel/html-export";

function elementsOf(html: string): string[] {
  return [...html.matchAll(/<([a-z]+)\b/g)].map((m) => m[1]);
}

describe("notebookToHtml", () => {
  test("a quote in an output that lands in an attribute cannot open a new attribute or element", () => {
    const html = notebookToHtml(
      {
        cells: [
          {
            cell_type: "code",
            source: "x",
            outputs: [
              { output_type: "display_data", data: { "image/png": 'iVBOR" onerror="alert(1)' } },
              { output_type: "stream", name: 'stdout"><script>alert(2)</script><pre class="', text: "hi" },
            ],
          },
        ],
      },
      "t",
    );
    expect(html).toContain('<img src="data:image/png;base64,iVBOR&quot; onerror=&quot;alert(1)">');
    expect(html).not.toContain('onerror="');
    expect(elementsOf(html).filter((e) => e === "script")).toEqual([]);
  });

  test("text and code keep quotes readable", () => {
    const html = notebookToHtml({ cells: [{ cell_type: "code", source: "const s = \"a\" + 'b' < 3", outputs: [] }] }, 'my "best" notebook');
    expect(html).toContain("<title>my &quot;best&quot; notebook</title>");
    expect(html).toContain("const s = &quot;a&quot; + &#39;b&#39; &lt; 3");
  });
});
