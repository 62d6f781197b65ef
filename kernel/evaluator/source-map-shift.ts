import { SourceMapConsumer, SourceMapGenerator, type RawSourceMap } from "source-map-js";

/** Text inserted into generated JavaScript: on `line` (1-based), at `column` (0-based), `length` characters. */
export interface Insertion {
  line: number;
  column: number;
  length: number;
}

/** The map of JavaScript after `insertions` were made: generated columns after each insertion move right. */
export function shiftGeneratedColumns(map: RawSourceMap, insertions: Insertion[]): RawSourceMap {
  if (insertions.length === 0) return map;
  const generator = new SourceMapGenerator({ file: map.file, sourceRoot: map.sourceRoot });
  new SourceMapConsumer(map).eachMapping((mapping) => {
    const shift = insertions
      .filter((insertion) => insertion.line === mapping.generatedLine && insertion.column <= mapping.generatedColumn)
      .reduce((sum, insertion) => sum + insertion.length, 0);
    generator.addMapping({
      generated: { line: mapping.generatedLine, column: mapping.generatedColumn + shift },
      ...(mapping.source
        ? { source: mapping.source, original: { line: mapping.originalLine!, column: mapping.originalColumn! }, name: mapping.name ?? undefined }
        : {}),
    });
  });
  for (const [index, source] of (map.sources ?? []).entries()) {
    const content = map.sourcesContent?.[index];
    if (content != null) generator.setSourceContent(source, content);
  }
  return generator.toJSON();
}
