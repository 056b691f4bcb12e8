// Unit tests of the plain-JS forward pass (node --test tests/js/).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const nn = require("../../lenet_viz/web/nn.js");

const T = (data, shape) => ({ data: Float32Array.from(data), shape });
const close = (a, b, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test("conv2d: 3x3 input, 2x2 kernel, no padding, by hand", () => {
  const x = T([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3]);
  const w = Float32Array.from([1, 0, 0, -1]);
  const y = nn.conv2d(x, w, [1, 1, 2, 2], Float32Array.from([0.5]), 1, 0);
  assert.deepEqual(y.shape, [1, 2, 2]);
  close(y.data, [1 - 5 + 0.5, 2 - 6 + 0.5, 4 - 8 + 0.5, 5 - 9 + 0.5]);
});

test("conv2d: padding keeps the size and zero-pads the border; two channels sum", () => {
  const x = T([1, 1, 1, 1, 2, 2, 2, 2], [2, 2, 2]);
  const w = new Float32Array(2 * 9).fill(1); // one output channel, 3x3 ones over both channels
  const y = nn.conv2d(x, w, [1, 2, 3, 3], null, 1, 1);
  assert.deepEqual(y.shape, [1, 2, 2]);
  close(y.data, [12, 12, 12, 12]);
});

test("conv2d: stride 2 picks every other position", () => {
  const x = T([...Array(16).keys()], [1, 4, 4]);
  const y = nn.conv2d(x, Float32Array.from([1]), [1, 1, 1, 1], null, 2, 0);
  close(y.data, [0, 2, 8, 10]);
});

test("conv2d refuses a weight with the wrong channel count", () => {
  assert.throws(() => nn.conv2d(T([1, 2, 3, 4], [1, 2, 2]), new Float32Array(8), [1, 2, 2, 2], null, 1, 0), /channels/);
});

test("dense flattens its input in C order: W x + b", () => {
  const x = T([1, 2, 3, 4], [1, 2, 2]);
  const w = Float32Array.from([1, 0, 0, 0, 0, 1, 1, 1]);
  const y = nn.dense(x, w, 2, Float32Array.from([10, -1]));
  assert.deepEqual(y.shape, [2]);
  close(y.data, [11, 8]);
  assert.throws(() => nn.dense(x, new Float32Array(3), 2, null), /expected 8/);
});

test("average and max pooling 2x2 stride 2", () => {
  const x = T([1, 2, 5, 6, 3, 4, 7, 8, -1, -2, 0, 0, -3, -4, 0, 1], [1, 4, 4]);
  close(nn.pool2d(x, 2, 2, 0, "avg").data, [2.5, 6.5, -2.5, 0.25]);
  close(nn.pool2d(x, 2, 2, 0, "max").data, [4, 8, -1, 1]);
});

test("global pools reduce each channel to 1x1", () => {
  const x = T([1, 2, 3, 6, -1, -1, -1, 3], [2, 2, 2]);
  const y = nn.globalPool(x, "avg");
  assert.deepEqual(y.shape, [2, 1, 1]);
  close(y.data, [3, 0]);
  close(nn.globalPool(x, "max").data, [6, 3]);
});

test("batchnorm in inference uses the running statistics", () => {
  const x = T([1, 3, 10, 20], [2, 1, 2]);
  const y = nn.batchnorm(x, Float32Array.from([2, 1]), Float32Array.from([0, 1]),
    Float32Array.from([2, 10]), Float32Array.from([1, 100]), 0);
  close(y.data, [-2, 2, 1, 2]);
});

test("activations: sigmoid, relu, tanh; unknown names are refused", () => {
  const x = T([-2, 0, 3], [3]);
  close(nn.activation(x, "sigmoid").data, [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))]);
  close(nn.activation(x, "relu").data, [0, 0, 3]);
  close(nn.activation(x, "tanh").data, [Math.tanh(-2), 0, Math.tanh(3)]);
  assert.throws(() => nn.activation(x, "gelu"), /unknown activation gelu/);
});

test("softmax sums to one and survives large logits", () => {
  const p = nn.softmax(Float32Array.from([1000, 1000, 0]));
  close(p, [0.5, 0.5, 0]);
  const q = nn.softmax(Float32Array.from([1, 2, 3]));
  assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  assert.ok(q[2] > q[1] && q[1] > q[0]);
});

test("forward: names every layer, adds .pre for activations and the probabilities", () => {
  // conv 1->1 3x3 pad 1 (sigmoid), avg pool 2, dense 196 -> 2
  const weights = new Float32Array(9 + 1 + 2 * 196 + 2);
  weights[4] = 1; // identity kernel
  for (let i = 0; i < 196; i++) weights[10 + 196 + i] = 1 / 196; // unit 1 = mean
  const spec = {
    layers: [
      { name: "conv1", kind: "conv", activation: "sigmoid", stride: 1, padding: 1,
        params: { weight: { offset: 0, shape: [1, 1, 3, 3] }, bias: { offset: 9, shape: [1] } } },
      { name: "pool1", kind: "pool", kernel: 2, stride: 2, padding: 0, pool: "avg" },
      { name: "flatten1", kind: "flatten" },
      { name: "dense1", kind: "dense", units: 2, activation: null,
        params: { weight: { offset: 10, shape: [2, 196] }, bias: { offset: 402, shape: [2] } } },
    ],
  };
  const px = new Float32Array(784);
  const out = nn.forward(spec, weights, px);
  assert.deepEqual(Object.keys(out), ["conv1", "conv1.pre", "pool1", "flatten1", "dense1", "probabilities"]);
  assert.equal(out.conv1.length, 784);
  assert.equal(out.pool1.length, 196);
  close(out.conv1, new Array(784).fill(0.5));
  close(out.dense1, [0, 0.5]);
  close(out.probabilities, nn.softmax(Float32Array.from([0, 0.5])));
  assert.throws(() => nn.forward(spec, weights, new Float32Array(10)), /784/);
});

test("forward of a standalone activation records its input as .pre", () => {
  const spec = { layers: [{ name: "act1", kind: "act", activation: "relu" },
    { name: "dense1", kind: "dense", units: 1, params: { weight: { offset: 0, shape: [1, 784] } } }] };
  const px = new Float32Array(784).fill(-1);
  const out = nn.forward(spec, new Float32Array(784).fill(1), px);
  close(out["act1.pre"], px);
  close(out.act1, new Array(784).fill(0));
});

test("conv2d: both code paths (few and many inputs per output) equal a naive loop", () => {
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  for (const [C, K, stride, pad] of [[1, 5, 1, 2], [4, 5, 1, 0], [6, 3, 2, 1]]) {
    const H = 9, W = 8, O = 3;
    const x = T(Array.from({ length: C * H * W }, rand), [C, H, W]);
    const w = Float32Array.from({ length: O * C * K * K }, rand);
    const b = Float32Array.from([0.1, -0.2, 0.3]);
    const y = nn.conv2d(x, w, [O, C, K, K], b, stride, pad);
    const [, Ho, Wo] = y.shape;
    const want = [];
    for (let o = 0; o < O; o++) for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
      let s = b[o];
      for (let c = 0; c < C; c++) for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) {
        const iy = i * stride + ky - pad, ix = j * stride + kx - pad;
        if (iy >= 0 && iy < H && ix >= 0 && ix < W) s += w[((o * C + c) * K + ky) * K + kx] * x.data[(c * H + iy) * W + ix];
      }
      want.push(s);
    }
    close(y.data, want, 1e-5);
  }
});
