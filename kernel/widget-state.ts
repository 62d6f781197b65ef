/**
 * The widget state a notebook keeps in its metadata (application/vnd.jupyter.widget-state+json,
 * as nbclient writes it): every widget comm a run opened, with the last state the kernel sent,
 * so nbconvert's HTML and GitHub draw the widgets without a kernel.
 */
import type { JupyterMessage } from "./wire";

export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";

interface SavedBuffer {
  path: Array<string | number>;
  data: string;
  encoding: "base64";
}

export class WidgetStateRecorder {
  private readonly states = new Map<string, Record<string, unknown>>();
  private readonly buffers = new Map<string, Map<string, SavedBuffer>>();

  /** Takes the comm messages among a cell's iopub messages (others are ignored). */
  record(messages: JupyterMessage[]): void {
    for (const message of messages) {
      const type = message.header.msg_type;
      if (type !== "comm_open" && type !== "comm_msg") continue;
      const content = message.content as { comm_id?: unknown; target_name?: unknown; data?: { state?: unknown; buffer_paths?: unknown } };
      const id = String(content.comm_id);
      if (type === "comm_open" && content.target_name !== "jupyter.widget") continue;
      if (type === "comm_msg" && !this.states.has(id)) continue;
      const state = content.data?.state;
      if (typeof state !== "object" || state === null) continue;
      this.states.set(id, { ...this.states.get(id), ...(state as Record<string, unknown>) });
      const paths = Array.isArray(content.data?.buffer_paths) ? (content.data!.buffer_paths as Array<Array<string | number>>) : [];
      paths.forEach((path, index) => {
        const buffer = message.buffers[index];
        if (!buffer) return;
        const saved = this.buffers.get(id) ?? new Map<string, SavedBuffer>();
        saved.set(JSON.stringify(path), { path, data: Buffer.from(buffer).toString("base64"), encoding: "base64" });
        this.buffers.set(id, saved);
      });
    }
  }

  /** The notebook metadata's widgets entry, or undefined when the run made no widget. */
  metadata(): Record<string, unknown> | undefined {
    if (this.states.size === 0) return undefined;
    const state = Object.fromEntries(
      [...this.states].map(([id, values]) => {
        const buffers = [...(this.buffers.get(id)?.values() ?? [])];
        return [
          id,
          {
            model_name: values._model_name,
            model_module: values._model_module,
            model_module_version: values._model_module_version,
            state: values,
            ...(buffers.length > 0 ? { buffers } : {}),
          },
        ];
      }),
    );
    return { [WIDGET_STATE_MIME]: { version_major: 2, version_minor: 0, state } };
  }
}
