/** PNG in and out: display's writer, fast-png's reader behind decodePng, one RawImage shape for both. */
import { decodePng } from "../display/png-decoder";
import { encodePng, type RawImage } from "../display/png-encoder";

// fast-png writes the PNG kinds our writer does not (16-bit, palette, 1-bit), as other tools do.
const { encode: fastPngEncode }: typeof import("fast-png/lib/index") = require("fast-png");

function gradient(width: number, height: number, channels: RawImage["channels"]): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) % 256;
  return { width, height, channels, data };
}

describe("decodePng", () => {
  test.each([1, 2, 3, 4] as const)("reads back what encodePng wrote, %i channel(s)", (channels) => {
    const image = gradient(13, 5, channels);
    expect(decodePng(encodePng(image))).toEqual({ ...image, data: expect.any(Uint8Array) });
    expect(Array.from(decodePng(encodePng(image)).data)).toEqual(Array.from(image.data));
  });

  test("16-bit samples keep their high byte", () => {
    const samples = Uint16Array.from([0, 0x1234, 0xff00, 0xffff]);
    const png = fastPngEncode({ width: 2, height: 2, channels: 1, depth: 16, data: samples });
    expect(Array.from(decodePng(png).data)).toEqual([0x00, 0x12, 0xff, 0xff]);
  });

  test("palette images come out as RGB pixels", () => {
    const palette = [
      [255, 0, 0],
      [0, 0, 255],
    ];
    const png = fastPngEncode({ width: 2, height: 1, channels: 1, depth: 8, palette, data: Uint8Array.from([1, 0]) });
    expect(decodePng(png)).toMatchObject({ width: 2, height: 1, channels: 3 });
    expect(Array.from(decodePng(png).data)).toEqual([0, 0, 255, 255, 0, 0]);
  });

  test("1-bit grey is unpacked to 0 and 255, each row from a fresh byte", () => {
    // 3 pixels per row: row 0 = 1,0,1 → 0b101xxxxx; row 1 = 0,1,1 → 0b011xxxxx.
    const png = fastPngEncode({ width: 3, height: 2, channels: 1, depth: 1, data: Uint8Array.from([0b10100000, 0b01100000]) });
    expect(Array.from(decodePng(png).data)).toEqual([255, 0, 255, 0, 255, 255]);
  });

  test("bytes that are not a PNG get one sentence naming the file", () => {
    expect(() => decodePng(Buffer.from("GIF89a..."), "cat.png")).toThrow("cat.png is not a PNG file.");
  });
});
