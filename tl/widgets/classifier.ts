/**
 * fastai's first app as a widget: upload a picture, see it with the model's top predictions.
 * A FileUpload and an Output (display/'s widgets); each upload runs tl.predict on its bytes.
 */
import type * as tf from "@tensorflow/tfjs";
import { display, widgets } from "../../display";
import { predict, type PredictOptions } from "../export/predict";

export interface ClassifierAppOptions {
  /** Class names in output order; default: the labels the model was exported or loaded with. */
  labels?: string[];
  /** How many classes to list (default 3). */
  top?: number;
}

/** The upload button and the prediction area, as one widget (a VBox); `.upload` and `.output` reach the parts. */
export interface ClassifierApp extends widgets.VBox {
  readonly upload: widgets.FileUpload;
  readonly output: widgets.Output;
  /** Resolves when the prediction for the latest upload is shown. */
  settled(): Promise<void>;
}

export function classifier(model: tf.LayersModel, options: ClassifierAppOptions = {}): ClassifierApp {
  if (typeof model?.predict !== "function") throw new TypeError("tl.widgets.classifier takes a tf LayersModel (from tl.classifier or tl.load) first.");
  const predictOptions: PredictOptions = { labels: options.labels, top: options.top };
  const upload = new widgets.FileUpload({ accept: "image/*", description: "Upload a picture" });
  const output = new widgets.Output();
  let latest: Promise<void> = Promise.resolve();
  const show = output.capture(async (file: widgets.UploadedFile) => {
    output.clear({ wait: true });
    display(await predict(model, file.content, predictOptions));
  });
  // show prints into the app's Output: the cell gets no output area for it
  widgets.withoutCellOutput(() =>
    upload.observe((change) => {
      const files = change.new;
      if (files.length === 0) return;
      latest = Promise.resolve(show(files[files.length - 1])).then(() => undefined);
      return latest;
    }, "value"),
  );
  const app = new widgets.VBox([upload, output]);
  return Object.assign(app, { upload, output, settled: () => latest }) as ClassifierApp;
}
