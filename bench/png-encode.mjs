// PNG encoding for display.image: tsfine's encoder (display/png-encoder.ts, node:zlib) next to
// fast-png, on the image sizes notebooks show. Prints one table. Run: npm run build && node bench/png-encode.mjs
import { createRequire } from "node:module";
import { encode as fastPngEncode } from "fast-png";

const require = createRequire(import.meta.url);
const { encodePng } = require("../dist/display/png-encoder.js");

function image(size, channels, kind) {
  const data = new Uint8Array(size * size * channels);
  for (let i = 0; i < data.length; i++) {
    const pixel = Math.floor(i / channels);
    data[i] = kind === "noise" ? Math.floor(Math.random() * 256) : ((pixel % size) + Math.floor(pixel / size)) % 256;
  }
  return { width: size, height: size, channels, data };
}

function median(fn, rounds) {
  for (let i = 0; i < 5; i++) fn();
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rows = [];
for (const [size, channels, kind] of [
  [28, 1, "smooth"],
  [96, 3, "smooth"],
  [224, 3, "smooth"],
  [224, 3, "noise"],
  [224, 4, "smooth"],
]) {
  const img = image(size, channels, kind);
  const ours = median(() => encodePng(img), 50);
  const theirs = median(() => fastPngEncode({ width: size, height: size, data: img.data, channels, depth: 8 }), 50);
  rows.push(`| ${size}×${size}×${channels} ${kind} | ${ours.toFixed(2)} | ${theirs.toFixed(2)} | ${encodePng(img).length} |`);
}
console.log(`PNG encode, median ms (node ${process.version})`);
console.log("| image | tsfine (node:zlib) | fast-png | tsfine bytes |");
console.log("|---|---|---|---|");
console.log(rows.join("\n"));
