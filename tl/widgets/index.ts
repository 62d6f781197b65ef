/** tl's widgets, built on display/'s Jupyter widgets: `tl.widgets.classifier(model, { labels })`, `tl.widgets.cleaner(model, data.train)`. */
export { classifier, type ClassifierApp, type ClassifierAppOptions } from "./classifier";
export { cleaner, type CleanerApp, type CleanerOptions } from "./cleaner";
