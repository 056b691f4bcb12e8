// node --test: the training page's pure checkpoint helpers.
const test = require("node:test");
const assert = require("node:assert");
const ck = require("../../lenet_viz/web/checkpoints.js");

test("halfToFloat matches known float16 values", () => {
  assert.strictEqual(ck.halfToFloat(0x3c00), 1);
  assert.strictEqual(ck.halfToFloat(0xc000), -2);
  assert.strictEqual(ck.halfToFloat(0x3555), 0.333251953125);
  assert.strictEqual(ck.halfToFloat(0x0001), Math.pow(2, -24)); // smallest subnormal
  assert.strictEqual(ck.halfToFloat(0x7bff), 65504); // largest finite
  assert.strictEqual(ck.halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(ck.halfToFloat(0x7e00)));
  assert.ok(Object.is(ck.halfToFloat(0x8000), -0));
});

test("decode widens little-endian halves and views float32", () => {
  const b = new Uint8Array([0x00, 0x3c, 0x00, 0xc0]);
  assert.deepStrictEqual(Array.from(ck.decode(b, "f2")), [1, -2]);
  const f = new Float32Array([0.1, -3]);
  assert.deepStrictEqual(Array.from(ck.decode(new Uint8Array(f.buffer), "f4")), Array.from(f));
  assert.throws(() => ck.decode(b, "f8"), /unknown weight dtype f8/);
});

test("at picks the last checkpoint at or before an epoch", () => {
  const e = [0, 1, 2, 4, 8, 60];
  assert.strictEqual(ck.at(e, 0), 0);
  assert.strictEqual(ck.at(e, 3), 2);
  assert.strictEqual(ck.at(e, 8), 4);
  assert.strictEqual(ck.at(e, 120), 5);
});

test("steps, position and stepFor place marks on the slider", () => {
  const s = ck.steps([[0, 2, 8], [0, 4, 8, 16]]);
  assert.deepStrictEqual(s, [0, 2, 4, 8, 16]);
  assert.strictEqual(ck.position(s, 0), 0);
  assert.strictEqual(ck.position(s, 16), 1);
  assert.strictEqual(ck.position(s, 3), 1.5 / 4);
  assert.strictEqual(ck.position(s, 12), 3.5 / 4);
  assert.strictEqual(ck.stepFor(s, 3), 2);
  assert.strictEqual(ck.stepFor(s, 99), 4);
});
