/**
 * widgets: Jupyter widgets (ipywidgets 8's controls, messaging protocol 2.x) from TypeScript. The
 * front end's own widget renderers draw them (JupyterLab, Notebook, VS Code); without a kernel
 * link they keep their state and show their text form.
 */
export {
  IntSlider,
  FloatSlider,
  FloatLogSlider,
  IntRangeSlider,
  FloatRangeSlider,
  IntText,
  FloatText,
  IntProgress,
  FloatProgress,
  Play,
  Text,
  Textarea,
  HTML,
  Label,
  Checkbox,
  ToggleButton,
  Button,
  Dropdown,
  RadioButtons,
  ToggleButtons,
  SelectMultiple,
  Image,
  FileUpload,
  type Choices,
  type ControlOptions,
  type UploadedFile,
} from "./controls";
export { Box, HBox, VBox, GridBox, Tab, Accordion } from "./boxes";
export { Output } from "./output";
export { AnyWidget, anywidget, type AnyWidgetOptions } from "./anywidget";
export { Layout } from "./layout";
export { link, dlink, jslink, jsdlink, type Link } from "./links";
export { interact, interactive, interactManual, fixed, type Interactive, type InteractOptions, type InteractValues } from "./interact";
export { WidgetModel, type Change, type Observer } from "./widget-model";
export { WidgetOptionError } from "./options";
export { withoutCellOutput } from "./callback-binding";
