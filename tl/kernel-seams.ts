/**
 * What tsfine's kernel needs of tl beyond its public API, kept out of the `tl` namespace a user
 * reads and completes (`tl.fi<Tab>` offers fit and fineTune, not these). The runtime worker
 * imports this module once a cell has loaded tl; nothing else should.
 *
 * - `useStopSignal(buffer)`: publish fit's state into a buffer shared with the kernel's main
 *   thread, which reads it (tl/fit/stop-request.ts's readStopSignal) to wait for a batch boundary.
 * - `requestStop()`: the same as `tl.requestStop()`, for an interrupt on the runtime's thread.
 * - `fitActivity()`: fit's state as the runtime thread sees it.
 * - `recoverInterruptedFit()`: before each cell, repair a training step the kernel terminated.
 * - `explainMissingNsfwjsFiles(explain)`: the sentence for an nsfwjs backbone whose files are absent
 *   (the browser kernel's differs: a page cannot install packages).
 */
export { fitActivity, requestStop, useStopSignal } from "./fit/stop-request";
export { recoverInterruptedFit } from "./fit/interrupted-run";
export { explainMissingNsfwjsFiles } from "./backbones/nsfwjs-files";
