/**
 * MaxPoolGrad on wasm. The stock kernel starts each window's running maximum at the smallest
 * positive float instead of -Infinity, so a window whose values are all ≤ 0 (or denormal) sends
 * its gradient to the window's first position, not to its maximum: with zero-mean activations
 * about one 2×2 window in sixteen. This one routes dy like tfjs's cpu backend: to the first
 * position in row-major window order holding the window's maximum, padding never chosen.
 *
 * Built from whole-tensor ops, one pass per window offset: the offset's strided view of x padded
 * with -Infinity, compared to the window maxima, and its share of dy spread back into place.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor4D } from "./kernel-tensors";
import { interleaveZeros, zeroPaddedWindow } from "./window";

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

export function maxPoolInputGradient(dy: tf.Tensor4D, x: tf.Tensor4D, attrs: MaxPoolGradAttrs): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(x.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const [n, height, width, channels] = x.shape;
  const { top, left } = info.padInfo;
  // Every window lies inside this grid: x shifted by the top/left padding, -Infinity outside x.
  // Its size is a whole number of strides, so that it splits into stride phases by a Reshape.
  const phaseRows = outHeight + Math.floor((filterHeight - 1) / strideHeight);
  const phaseCols = outWidth + Math.floor((filterWidth - 1) / strideWidth);
  const gridHeight = phaseRows * strideHeight;
  const gridWidth = phaseCols * strideWidth;
  const grid = tf.slice(
    tf.pad(
      x,
      [
        [0, 0],
        [top, Math.max(0, gridHeight - top - height)],
        [left, Math.max(0, gridWidth - left - width)],
        [0, 0],
      ],
      -Infinity,
    ),
    [0, 0, 0, 0],
    [n, gridHeight, gridWidth, channels],
  );
  // Phase (r, c): grid rows r, r + stride, … and columns likewise. Two plain Slices per window
  // offset instead of one StridedSlice, which wasm runs element by element (~6× slower here).
  const phases = new Map<string, tf.Tensor4D>();
  const phase = (r: number, c: number): tf.Tensor4D => {
    const key = `${r},${c}`;
    let found = phases.get(key);
    if (found === undefined) {
      const split = tf.reshape(grid, [n * phaseRows, strideHeight, phaseCols, strideWidth * channels]);
      found = tf.reshape(tf.slice(split, [0, r, 0, c * channels], [n * phaseRows, 1, phaseCols, channels]), [n, phaseRows, phaseCols, channels]) as tf.Tensor4D;
      phases.set(key, found);
    }
    return found;
  };
  const atOffset = (row: number, col: number): tf.Tensor4D =>
    tf.slice(
      phase(row % strideHeight, col % strideWidth),
      [0, Math.floor(row / strideHeight), Math.floor(col / strideWidth), 0],
      [n, outHeight, outWidth, channels],
    );

  const offsets: [number, number][] = [];
  for (let row = 0; row < filterHeight; row++) for (let col = 0; col < filterWidth; col++) offsets.push([row, col]);
  const views = offsets.map(([row, col]) => atOffset(row, col));
  const maxima = views.reduce((a, b) => tf.maximum(a, b));

  let taken = tf.zeros(dy.shape, "bool");
  const shares: tf.Tensor4D[] = [];
  offsets.forEach(([row, col], i) => {
    // The first offset holding the maximum takes dy; later equal values get nothing.
    const takes = tf.logicalAnd(tf.equal(views[i], maxima), tf.logicalNot(taken));
    taken = tf.logicalOr(taken, takes);
    const share = tf.where(takes, dy, tf.zerosLike(dy)) as tf.Tensor4D;
    shares.push(zeroPaddedWindow(interleaveZeros(share, [strideHeight, strideWidth]), -row, -col, gridHeight, gridWidth));
  });
  return zeroPaddedWindow(tf.addN(shares), top, left, height, width);
}

export function maxPoolGradKernel(stock: tf.KernelConfig): tf.KernelConfig {
  return {
    ...stock,
    kernelFunc: ({ inputs, backend, attrs }) =>
      tf.tidy(() => maxPoolInputGradient(asTensor4D(inputs.dy, backend), asTensor4D(inputs.input, backend), attrs as unknown as MaxPoolGradAttrs)),
  };
}
