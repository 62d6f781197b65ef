/**
 * The forward convolution's geometry, read once from a backprop kernel's attributes and shared by
 * the four convolution gradients (conv2d and depthwise, filter and input): which window of the
 * padded input the forward pass reads, and how dy is spread and padded so that a correlation with
 * the flipped filter gives dx.
 */
import * as tf from "@tensorflow/tfjs";
import { pair } from "./kernel-tensors";
import { interleaveZeros, zeroPaddedWindow } from "./window";

/** The attributes every convolution backprop kernel receives (conv2d ones have no dilations). */
export interface ConvBackpropAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

export type ConvShape = [number, number, number, number];

/** The forward convolution of an NHWC input of inputShape with filterShape, as the attributes say. */
export function forwardConvInfo(attrs: ConvBackpropAttrs, inputShape: ConvShape, filterShape: ConvShape, depthwise: boolean): tf.backend_util.Conv2DInfo {
  const { strides, dilations, pad, dimRoundingMode } = attrs;
  return tf.backend_util.computeConv2DInfo(inputShape, filterShape, pair(strides), pair(dilations), pad, dimRoundingMode, depthwise, "channelsLast");
}

export function strides(info: tf.backend_util.Conv2DInfo): [number, number] {
  return [info.strideHeight, info.strideWidth];
}

export function dilations(info: tf.backend_util.Conv2DInfo): [number, number] {
  return [info.dilationHeight, info.dilationWidth];
}

/** A 1×1 filter, stride 1, no padding: every pixel of x meets one pixel of dy. */
export function isPlainPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  return (
    info.filterHeight === 1 &&
    info.filterWidth === 1 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight &&
    info.outWidth === info.inWidth
  );
}

/** The rows and columns of the zero-padded input x that the forward convolution reads. */
export function forwardReadWindow(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const rows = info.strideHeight * (info.outHeight - 1) + info.effectiveFilterHeight;
  const cols = info.strideWidth * (info.outWidth - 1) + info.effectiveFilterWidth;
  return zeroPaddedWindow(x, -info.padInfo.top, -info.padInfo.left, rows, cols);
}

/**
 * dy spread out with zeros (its row y sits at s·y) and padded so that a stride-1 correlation with
 * the flipped filter gives dx: dx[h] = Σ_i spread[h + top − d·i]·W[i], which reads spread from
 * d·(kh−1) − top rows before its start (negative: the window starts inside spread).
 */
export function spreadForInputGradient(dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const spread = interleaveZeros(dy, strides(info));
  const reachRows = info.effectiveFilterHeight - 1;
  const reachCols = info.effectiveFilterWidth - 1;
  return zeroPaddedWindow(spread, info.padInfo.top - reachRows, info.padInfo.left - reachCols, info.inHeight + reachRows, info.inWidth + reachCols);
}
