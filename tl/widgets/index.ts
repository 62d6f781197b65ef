/** tl's widgets, built on display/'s Jupyter widgets: `tl.widgets.classifier(model, { labels })`. */
export { classifier, type ClassifierApp, type ClassifierAppOptions } from "./classifier";
