// Unit tests of the MNIST-style preprocessing in plain JS (its equality with images.py is checked
// against Python in tests/test_draw.py and against a real canvas in tests/test_draw_browser.py).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const pp = require("../../lenet_viz/web/preprocess.js");

// A w x h RGBA image, white paper, with `ink(x, y)` in 0..1 painted black.
function image(w, h, ink, { alpha = 255 } = {}) {
  const data = new Uint8ClampedArray(4 * w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = Math.round(255 * (1 - ink(x, y)));
      data.set([v, v, v, alpha], 4 * (y * w + x));
    }
  }
  return { width: w, height: h, data };
}
const rect = (x0, y0, x1, y1) => (x, y) => (x >= x0 && x < x1 && y >= y0 && y < y1 ? 1 : 0);
const sum = (a) => a.reduce((s, v) => s + v, 0);

test("a blank page has no ink: null", () => {
  assert.equal(pp.preprocess(image(50, 50, () => 0)), null);
  assert.equal(pp.preprocess(image(50, 50, () => 0.05)), null); // below MIN_CONTRAST
});

test("bad input is refused with a message", () => {
  assert.throws(() => pp.preprocess({ width: 1, height: 1, data: new Uint8ClampedArray(4) }), /2x2/);
  assert.throws(() => pp.preprocess({ width: 3, height: 3, data: new Uint8ClampedArray(5) }), /ImageData/);
});

test("a 20 px box is moved by whole pixels, not resampled, and centred by mass", () => {
  const out = pp.preprocess(image(40, 40, rect(3, 5, 13, 25))); // 10 wide, 20 tall
  assert.equal(out.length, 784);
  assert.equal(sum(out), 200); // every pixel is still exactly 0 or 1
  const [cy, cx] = pp.centreOfMass(out, 28, 28);
  assert.ok(Math.abs(cy - 14) <= 0.5 && Math.abs(cx - 14) <= 0.5, `centre ${cy}, ${cx}`);
});

test("a large drawing is scaled so its longest side is 20 px, peak 1", () => {
  const out = pp.preprocess(image(280, 280, rect(100, 40, 160, 240))); // 60 x 200
  assert.equal(Math.max(...out), 1);
  const rows = [];
  for (let y = 0; y < 28; y++) if (out.slice(y * 28, y * 28 + 28).some((v) => v > 0.5)) rows.push(y);
  const span = rows[rows.length - 1] - rows[0] + 1; // half-covered edge rows fall either side of 0.5
  assert.ok(Math.abs(span - 20) <= 1, `span ${span}`);
  const [cy, cx] = pp.centreOfMass(out, 28, 28);
  assert.ok(Math.abs(cy - 14) < 0.1 && Math.abs(cx - 14) < 0.1, `centre ${cy}, ${cx}`);
});

test("light ink on dark paper gives the same digit as dark ink on light paper", () => {
  const dark = image(60, 60, rect(10, 10, 30, 50));
  const light = { ...dark, data: dark.data.map((v, i) => (i % 4 === 3 ? v : 255 - v)) };
  assert.deepEqual(pp.preprocess(light), pp.preprocess(dark));
});

test("transparent pixels are flattened onto white", () => {
  const a = pp.toGray(image(2, 2, () => 1, { alpha: 0 }));
  assert.deepEqual(Array.from(a), [1, 1, 1, 1]);
});

test("LANCZOS coefficients are normalised and symmetric for a centred window", () => {
  const c = pp.coeffs(100, 10, 90, 28);
  for (const row of c) assert.ok(Math.abs(sum(row.k) - 1) < 1e-12);
  assert.equal(pp.lanczos(0), 1);
  assert.equal(pp.lanczos(3), 0);
  assert.ok(Math.abs(pp.lanczos(1)) < 1e-15);
});
