// node --test: the pages' shared colour lookup and base64 decoding.
const test = require("node:test");
const assert = require("node:assert");
const cv = require("../../lenet_viz/web/canvas.js");

test("paint indexes the table as matplotlib does, clipping outside the range", () => {
  const lut = new Uint8Array(768);
  for (let k = 0; k < 256; k++) { lut[3 * k] = k; lut[3 * k + 1] = 255 - k; lut[3 * k + 2] = 7; }
  const img = { data: new Uint8ClampedArray(4 * 5) };
  cv.paint(img, [-1, 0, 0.5, 1, 2], 0, 5, { lo: 0, hi: 1 }, lut);
  assert.deepStrictEqual(Array.from(img.data.filter((_, i) => i % 4 === 0)), [0, 0, 128, 255, 255]);
  assert.deepStrictEqual(Array.from(img.data.filter((_, i) => i % 4 === 3)), [255, 255, 255, 255, 255]);
});

test("bytes decodes base64", () => {
  assert.deepStrictEqual(Array.from(cv.bytes("AAH/")), [0, 1, 255]);
});
