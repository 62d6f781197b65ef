/** Spatial windows and zero-spread copies of NHWC tensors, built from Pad, Slice and free Reshapes. */
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

/** Inserts stride-1 zeros after every row and column: [N, H, W, C] → [N, H·sr, W·sc, C]. */
export function interleaveZeros(x: tf.Tensor4D, stride: [number, number]): tf.Tensor4D {
  const [n, height, width, channels] = x.shape;
  const [sr, sc] = stride;
  let result: tf.Tensor4D = x;
  if (sr > 1) {
    const rows = tf.reshape(result, [n * height, 1, width, channels]) as tf.Tensor4D;
    result = tf.reshape(
      tf.pad(rows, [
        [0, 0],
        [0, sr - 1],
        [0, 0],
        [0, 0],
      ]),
      [n, height * sr, width, channels],
    ) as tf.Tensor4D;
  }
  if (sc > 1) {
    const h = result.shape[1];
    const cols = tf.reshape(result, [n * h, width, 1, channels]) as tf.Tensor4D;
    result = tf.reshape(
      tf.pad(cols, [
        [0, 0],
        [0, 0],
        [0, sc - 1],
        [0, 0],
      ]),
      [n, h, width * sc, channels],
    ) as tf.Tensor4D;
  }
  return result;
}
