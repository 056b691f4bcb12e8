// Checkpoints on the training page, as pure functions: float16 weights widened to float32 (exactly,
// as numpy's astype does), which checkpoint of a run an epoch shows, and where a mark sits on a
// slider whose steps are the checkpoint epochs of two runs.
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.lenetCheckpoints = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // One IEEE 754 half (as an unsigned 16-bit integer) as a number; every half is exact in float32.
  function halfToFloat(h) {
    const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
    if (e === 0) return sign * f * Math.pow(2, -24);
    if (e === 31) return f ? NaN : sign * Infinity;
    return sign * (1 + f / 1024) * Math.pow(2, e - 15);
  }

  let TABLE = null;

  // bytes: a Uint8Array of little-endian values; dtype "f2" (float16) or "f4" (float32).
  function decode(bytes, dtype) {
    if (dtype === "f4") return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    if (dtype !== "f2") throw new Error("unknown weight dtype " + dtype + "; expected f2 or f4");
    if (!TABLE) {
      TABLE = new Float32Array(65536);
      for (let h = 0; h < 65536; h++) TABLE[h] = halfToFloat(h);
    }
    const n = bytes.length / 2, out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = TABLE[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
    return out;
  }

  // The index of the last checkpoint (epochs ascending) at or before `epoch` (0 if none is).
  function at(epochs, epoch) {
    let k = 0;
    for (let i = 0; i < epochs.length; i++) if (epochs[i] <= epoch) k = i;
    return k;
  }

  // The sorted union of the checkpoint epochs of several runs: the slider's steps.
  function steps(lists) {
    const all = new Set();
    for (const l of lists) for (const e of l) all.add(e);
    return Array.from(all).sort(function (a, b) { return a - b; });
  }

  // A mark's place on the slider, as a fraction of its length: linear between the two steps around it.
  function position(stepsList, epoch) {
    const n = stepsList.length;
    if (n < 2) return 0;
    if (epoch <= stepsList[0]) return 0;
    if (epoch >= stepsList[n - 1]) return 1;
    let i = 0;
    while (stepsList[i + 1] < epoch) i++;
    const t = (epoch - stepsList[i]) / (stepsList[i + 1] - stepsList[i]);
    return (i + t) / (n - 1);
  }

  // The first step at or after `epoch`: where "go to this mark" moves the slider.
  function stepFor(stepsList, epoch) {
    for (let i = 0; i < stepsList.length; i++) if (stepsList[i] >= epoch) return i;
    return stepsList.length - 1;
  }

  return { halfToFloat: halfToFloat, decode: decode, at: at, steps: steps, position: position, stepFor: stepFor };
});
