// Unit tests of a clicked unit's arithmetic (arith.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const nn = require("../../lenet_viz/web/nn.js");
const arith = require("../../lenet_viz/web/arith.js");

// conv 1->2 3x3 pad 1 (sigmoid) on 28x28, avg pool 2, dense 392 -> 3 (sigmoid); receptive fields as
// the Python build writes them (rf, rf_start, rf_jump).
let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
const weights = Float32Array.from({ length: 18 + 2 + 3 * 392 + 3 }, rand);
const spec = {
  layers: [
    { name: "conv1", kind: "conv", activation: "sigmoid", stride: 1, padding: 1, kernel: 3, shape: [2, 28, 28],
      rf: 3, rf_start: -1, rf_jump: 1,
      params: { weight: { offset: 0, shape: [2, 1, 3, 3] }, bias: { offset: 18, shape: [2] } } },
    { name: "pool1", kind: "pool", kernel: 2, stride: 2, padding: 0, pool: "avg", shape: [2, 14, 14],
      rf: 4, rf_start: -1, rf_jump: 2, params: {} },
    { name: "dense1", kind: "dense", units: 3, activation: "sigmoid", shape: [3], rf: 28, rf_start: -1, rf_jump: 2,
      params: { weight: { offset: 20, shape: [3, 392] }, bias: { offset: 20 + 3 * 392, shape: [3] } } },
  ],
};
const px = Float32Array.from({ length: 784 }, () => rand() + 0.5);
const out = nn.forward(spec, weights, px);

test("a conv unit: its terms and bias add up to its pre-activation; its receptive field is clipped", () => {
  const i = (1 * 28 + 0) * 28 + 5; // channel 1, row 0, col 5
  const r = arith.explainUnit(spec, weights, out, px, "conv1", i);
  assert.equal(r.where, "ch 1, row 0, col 5");
  assert.deepEqual(r.rf, [0, 4, 2, 3]); // the row above the image is padding
  assert.equal(r.terms.length, 6);
  assert.ok(Math.abs(r.z - out["conv1.pre"][i]) < 1e-6);
  assert.equal(r.value, out.conv1[i]);
  const sizes = r.terms.map((t) => Math.abs(t.w * t.x));
  assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a)); // largest first
});

test("a pool unit lists the values it averages; a dense unit sees the whole input", () => {
  const p = arith.explainUnit(spec, weights, out, px, "pool1", 15);
  assert.deepEqual(p.rf, [1, 1, 4, 4]); // ch 0, row 1, col 1: input rows and cols 1..4
  assert.match(p.lines[0], /^avg of 2×2 inputs \[.*\] = /);
  const d = arith.explainUnit(spec, weights, out, px, "dense1.pre", 2);
  assert.equal(d.spatial, false);
  assert.deepEqual(d.rf, [0, 0, 28, 28]);
  assert.equal(d.terms.length, 392);
  assert.ok(Math.abs(d.z - out["dense1.pre"][2]) < 1e-5);
  assert.equal(d.value, out["dense1.pre"][2]);
  assert.throws(() => arith.explainUnit(spec, weights, out, px, "conv9", 0), /no layer conv9/);
});

test("fmt writes short numbers", () => {
  assert.deepEqual([0.12345, -3.5, 123.45, 12345].map(arith.fmt), ["0.12", "-3.50", "123.5", "1.23e+4"]);
});
