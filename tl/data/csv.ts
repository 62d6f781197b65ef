import * as fs from "fs";
import { makeDataset, type DataOptions, type Dataset } from "./dataset";
import type { ExampleSource } from "./examples";

export interface CsvOptions extends DataOptions {
  /** The column to predict (default: the last). Text or integer values make it a class label. */
  label?: string;
  /** "regression" treats a numeric label column as targets. */
  task?: "classification" | "regression";
}

/** Splits CSV text into rows of fields (RFC 4180 quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.some((f) => f !== "")) rows.push(row);
      row = [];
    } else field += ch;
  }
  row.push(field);
  if (row.some((f) => f !== "")) rows.push(row);
  return rows;
}

/** A table from a CSV file (or CSV text) with a header row; feature columns must be numeric. */
export async function csv(fileOrText: string, options: CsvOptions = {}): Promise<Dataset> {
  const isText = fileOrText.includes("\n");
  if (!isText && !fs.existsSync(fileOrText)) throw new Error(`tl.data.csv: no file at ${fileOrText}.`);
  const rows = parseCsv(isText ? fileOrText : fs.readFileSync(fileOrText, "utf8"));
  const [header, ...body] = rows;
  if (!header || body.length === 0) throw new Error("tl.data.csv: expected a header row and at least one data row.");
  const labelColumn = options.label ?? header[header.length - 1];
  const li = header.indexOf(labelColumn);
  if (li < 0) throw new Error(`tl.data.csv: no column "${labelColumn}"; the columns are ${header.join(", ")}.`);
  const featureColumns = header.map((_, i) => i).filter((i) => i !== li);
  const d = featureColumns.length;
  const features = new Float32Array(body.length * d);
  body.forEach((r, n) =>
    featureColumns.forEach((c, j) => {
      const v = Number(r[c]);
      if (r[c] === undefined || r[c].trim() === "" || Number.isNaN(v)) {
        throw new Error(`tl.data.csv: row ${n + 2}, column "${header[c]}" is "${r[c] ?? ""}", not a number.`);
      }
      features[n * d + j] = v;
    }),
  );
  const raw = body.map((r) => r[li]);
  const numeric = raw.every((v) => v.trim() !== "" && !Number.isNaN(Number(v)));
  const classification = options.task ? options.task === "classification" : !numeric || raw.every((v) => Number.isInteger(Number(v)));
  const source: ExampleSource = {
    kind: "table",
    inputShape: [d],
    size: body.length,
    read(index, out, offset) {
      out.set(features.subarray(index * d, (index + 1) * d), offset);
    },
  };
  let classes: string[] | null = null;
  if (classification) {
    classes = [...new Set(raw)].sort((a, b) => (numeric ? Number(a) - Number(b) : a.localeCompare(b)));
    source.labels = Int32Array.from(raw.map((v) => classes!.indexOf(v)));
  } else {
    source.targets = Float32Array.from(raw.map(Number));
    source.targetSize = 1;
  }
  const name = isText ? "csv" : fileOrText.split(/[\\/]/).pop()!;
  return makeDataset(name, source, classes, { train: body.map((_, i) => i) }, options);
}
