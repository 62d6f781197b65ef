/**
 * Turns the iopub messages of executed cells into nbformat 4 outputs, the way a front end
 * renders them: consecutive stream text merges, clear_output (also with wait=true) empties
 * the cell, update_display_data rewrites every output carrying the same display_id, in any cell.
 */
import type { JupyterMessage } from "./wire";

export type NotebookOutput = Record<string, unknown> & { output_type: string };

export class NotebookOutputs {
  private readonly byDisplayId = new Map<string, NotebookOutput[]>();

  /** Applies one cell's output messages to its outputs list (mutated in place). */
  apply(outputs: NotebookOutput[], messages: JupyterMessage[]): void {
    let clearPending = false;
    for (const message of messages) {
      const type = message.header.msg_type;
      const content = message.content;
      if (type === "clear_output") {
        if (content.wait === true) clearPending = true;
        else outputs.length = 0;
        continue;
      }
      if (type === "update_display_data") {
        this.update(content);
        continue;
      }
      const output = this.toOutput(type, content);
      if (!output) continue;
      if (clearPending) {
        outputs.length = 0;
        clearPending = false;
      }
      const last = outputs[outputs.length - 1];
      if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
        last.text = String(last.text) + String(output.text);
        continue;
      }
      outputs.push(output);
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Jupyter message content is JSON; each case reads its own fields
  private toOutput(type: string, content: Record<string, any>): NotebookOutput | undefined {
    switch (type) {
      case "stream":
        return { output_type: "stream", name: content.name, text: String(content.text ?? "") };
      case "display_data": {
        const output: NotebookOutput = { output_type: "display_data", data: content.data ?? {}, metadata: content.metadata ?? {} };
        const id = content.transient?.display_id;
        if (typeof id === "string") {
          const list = this.byDisplayId.get(id) ?? [];
          list.push(output);
          this.byDisplayId.set(id, list);
        }
        return output;
      }
      case "execute_result":
        return { output_type: "execute_result", execution_count: content.execution_count ?? null, data: content.data ?? {}, metadata: content.metadata ?? {} };
      case "error":
        return {
          output_type: "error",
          ename: String(content.ename ?? "Error"),
          evalue: String(content.evalue ?? ""),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        };
      default:
        return undefined;
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Jupyter message content is JSON
  private update(content: Record<string, any>): void {
    const id = content.transient?.display_id;
    for (const output of (typeof id === "string" && this.byDisplayId.get(id)) || []) {
      output.data = content.data ?? {};
      output.metadata = content.metadata ?? {};
    }
  }
}
