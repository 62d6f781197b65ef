import type * as tf from "@tensorflow/tfjs";
import type { HeadDefaults } from "./head-defaults";

/** The one signature every backbone family shares (as Keras applications do). */
export interface BackboneOptions {
  /** [height, width, channels]; convolution weights do not depend on height and width. */
  inputShape?: number[];
  /** Width multiplier, for families published at several widths (MobileNet). */
  alpha?: number;
  /** "pretrained" (default), null for random initialisation, or a URL / folder of weights. */
  weights?: "pretrained" | null | string;
}

export interface BackboneEntry {
  name: string;
  /** What the network is and where its weights come from, stated plainly. */
  description: string;
  /** Default input shape. */
  inputShape: number[];
  /** Parameter count of the backbone (without classifier) at the default size. */
  params: number;
  source: string;
  licence: string;
  /** Works without internet. */
  offline: boolean;
  /** Widths available (alpha), when the family has several. */
  alphas?: number[];
  /** Input value range the weights expect. */
  inputRange: string;
  /** The head tl.classifier builds on it unless told otherwise (default: average pooling). */
  head?: HeadDefaults;
  load(options: BackboneOptions): Promise<tf.LayersModel>;
}
