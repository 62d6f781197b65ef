/**
 * NumPy's .npy format for float32 arrays: how tensors cross to the keras engine's Python process
 * without JSON (a small header, then the raw little-endian values).
 */
import * as fs from "node:fs";

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export function writeNpy(file: string, values: Float32Array, shape: readonly number[]): void {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic, version and length take 10 bytes; the header ends with \n and pads the whole to 64.
  const padded = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(padded - 10 - 1, " ") + "\n";
  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, prefix);
    fs.writeSync(fd, header, null, "latin1");
    fs.writeSync(fd, body);
  } finally {
    fs.closeSync(fd);
  }
}

export function readNpy(file: string): { values: Float32Array; shape: number[] } {
  const bytes = fs.readFileSync(file);
  if (!bytes.subarray(0, 6).equals(MAGIC)) throw new Error(`${file} is not a .npy file.`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.subarray(start, start + headerLength).toString("latin1");
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
    throw new Error(`${file} holds ${header.trim()}; float32 in C order was expected.`);
  }
  const shapeText = header.match(/'shape':\s*\(([^)]*)\)/)?.[1] ?? "";
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const offset = start + headerLength;
  // Copy into an aligned buffer: the data start need not be a multiple of 4 in the file's buffer.
  const values = new Float32Array((bytes.length - offset) / 4);
  Buffer.from(values.buffer).set(bytes.subarray(offset));
  return { values, shape };
}
