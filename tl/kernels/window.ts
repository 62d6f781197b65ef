/** Spatial windows and strided taps of NHWC tensors, built from Pad, Slice and free Reshapes. */
import * as tf from "@tensorflow/tfjs";

/**
 * Rows [rowStart, rowStart + rows) and columns [colStart, colStart + cols) of x, where
 * positions outside x read as zero (so a negative start is top/left padding).
 */
export function zeroPaddedWindow(x: tf.Tensor4D, rowStart: number, colStart: number, rows: number, cols: number): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  const padTop = Math.max(0, -rowStart);
  const padLeft = Math.max(0, -colStart);
  const padBottom = Math.max(0, rowStart + rows - height);
  const padRight = Math.max(0, colStart + cols - width);
  const padded =
    padTop + padLeft + padBottom + padRight > 0
      ? tf.pad(x, [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ])
      : x;
  const top = rowStart + padTop;
  const left = colStart + padLeft;
  if (top === 0 && left === 0 && padded.shape[1] === rows && padded.shape[2] === cols) return padded;
  return tf.slice(padded, [0, top, left, 0], [n, rows, cols, channels]);
}

/**
 * For each filter tap (i, j) in row-major order, the [N, outH, outW, C] tensor of
 * x[n, stride*y + dilation*i, stride*x + dilation*j, c]. x must start at the first tap's row/col.
 *
 * Stride > 1 avoids StridedSlice (slow in wasm): after a reshape to [N, H/s, s, W·C] a row
 * phase is a plain Slice, and after a second reshape to [N·outH, W/s, s·C] so is a column phase.
 */
export function stridedTaps(
  x: tf.Tensor4D,
  filterRows: number,
  filterCols: number,
  stride: [number, number],
  dilation: [number, number],
  outH: number,
  outW: number,
): tf.Tensor4D[] {
  const [n, , , channels] = x.shape;
  const [sr, sc] = stride;
  const [dr, dc] = dilation;
  const taps: tf.Tensor4D[] = [];
  if (sr === 1 && sc === 1) {
    for (let i = 0; i < filterRows; i++) {
      for (let j = 0; j < filterCols; j++) {
        taps.push(tf.slice(x, [0, i * dr, j * dc, 0], [n, outH, outW, channels]));
      }
    }
    return taps;
  }
  const blockRows = Math.floor((dr * (filterRows - 1)) / sr) + outH;
  const blockCols = Math.floor((dc * (filterCols - 1)) / sc) + outW;
  const grid = zeroPaddedWindow(x, 0, 0, blockRows * sr, blockCols * sc);
  const rowPhases = tf.reshape(grid, [n, blockRows, sr, blockCols * sc * channels]) as tf.Tensor4D;
  for (let i = 0; i < filterRows; i++) {
    const rowOffset = i * dr;
    const rowsOfTap = tf.slice(rowPhases, [0, Math.floor(rowOffset / sr), rowOffset % sr, 0], [n, outH, 1, blockCols * sc * channels]);
    const colPhases = tf.reshape(rowsOfTap, [n * outH, blockCols, sc * channels]) as tf.Tensor3D;
    for (let j = 0; j < filterCols; j++) {
      const colOffset = j * dc;
      const tap = tf.slice(colPhases, [0, Math.floor(colOffset / sc), (colOffset % sc) * channels], [n * outH, outW, channels]);
      taps.push(tf.reshape(tap, [n, outH, outW, channels]) as tf.Tensor4D);
    }
  }
  return taps;
}

/** Inserts stride-1 zeros after every row and column: [N, H, W, C] → [N, H·sr, W·sc, C]. */
export function interleaveZeros(x: tf.Tensor4D, stride: [number, number]): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  const [sr, sc] = stride;
  let result: tf.Tensor4D = x;
  if (sr > 1) {
    const rows = tf.reshape(result, [n * height, 1, width, channels]) as tf.Tensor4D;
    result = tf.reshape(tf.pad(rows, [[0, 0], [0, sr - 1], [0, 0], [0, 0]]), [n, height * sr, width, channels]) as tf.Tensor4D;
  }
  if (sc > 1) {
    const h = result.shape[1];
    const cols = tf.reshape(result, [n * h, width, 1, channels]) as tf.Tensor4D;
    result = tf.reshape(tf.pad(cols, [[0, 0], [0, 0], [0, sc - 1], [0, 0]]), [n, h, width * sc, channels]) as tf.Tensor4D;
  }
  return result;
}
