// Click a unit, see its arithmetic: a pure function from a forward pass's result to one unit's
// receptive field on the input, its w·x terms (largest first), bias, z and output.
(function (root, factory) {
  const api = factory(root.lenetNN || (typeof require === "function" ? require("./nn.js") : null));
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.lenetArith = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function (nn) {
  "use strict";

  // Short numbers, as the static figures' tile titles: two decimals while small, fewer as they grow.
  function fmt(v) {
    const a = Math.abs(v);
    return a < 10 ? v.toFixed(2) : a < 1000 ? v.toFixed(1) : v.toPrecision(3);
  }

  function isMap(shape) { return shape.length === 3 && shape[1] * shape[2] > 1; }

  function position(shape, i) {
    if (!isMap(shape)) return "unit " + i;
    const hw = shape[1] * shape[2];
    return "ch " + Math.floor(i / hw) + ", row " + Math.floor((i % hw) / shape[2]) + ", col " + (i % shape[2]);
  }

  // spec, weights: as nn.forward takes them; out: its result; pixels: its input; key: a layer name or
  // `<name>.pre`; index: the unit's flat index in that layer's output.
  function explainUnit(spec, weights, out, pixels, key, index) {
    const name = key.endsWith(".pre") ? key.slice(0, -4) : key;
    const at = spec.layers.findIndex(function (l) { return l.name === name; });
    if (at < 0) throw new Error("no layer " + name);
    const L = spec.layers[at], shape = L.shape, i = index;
    const inShape = at > 0 ? spec.layers[at - 1].shape : [1, 28, 28];
    const x = at > 0 ? out[spec.layers[at - 1].name] : pixels;
    const W = function (k) {
      const p = L.params[k];
      return p ? weights.subarray(p.offset, p.offset + nn.size(p.shape)) : null;
    };
    const spatial = isMap(shape);
    const hw = spatial ? shape[1] * shape[2] : 1;
    const c = spatial ? Math.floor(i / hw) : i, yy = spatial ? Math.floor((i % hw) / shape[2]) : 0;
    const xx = spatial ? i % shape[2] : 0;
    let rf = [0, 0, 28, 28];
    if (spatial) {
      const top = L.rf_start + yy * L.rf_jump, left = L.rf_start + xx * L.rf_jump;
      const t = Math.max(top, 0), l = Math.max(left, 0);
      rf = [t, l, Math.min(top + L.rf, 28) - t, Math.min(left + L.rf, 28) - l];
    }
    const r = { layer: L, where: position(shape, i), spatial: spatial, rf: rf, terms: [], bias: null, z: null,
      value: out[key][i], lines: [] };
    const inside = function (iy, ix) { return iy >= 0 && iy < inShape[1] && ix >= 0 && ix < inShape[2]; };
    if (L.kind === "conv") {
      const Cin = inShape[0], H = inShape[1], Wd = inShape[2], K = L.kernel, w = W("weight");
      for (let ci = 0; ci < Cin; ci++) {
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) {
            const iy = yy * L.stride + ky - L.padding, ix = xx * L.stride + kx - L.padding;
            if (!inside(iy, ix)) continue;
            const j = (ci * H + iy) * Wd + ix;
            r.terms.push({ w: w[((c * Cin + ci) * K + ky) * K + kx], x: x[j], where: position(inShape, j) });
          }
        }
      }
      r.bias = W("bias") ? W("bias")[c] : 0;
    } else if (L.kind === "dense") {
      const n = x.length, w = W("weight");
      for (let k = 0; k < n; k++) r.terms.push({ w: w[i * n + k], x: x[k], where: position(inShape, k) });
      r.bias = W("bias") ? W("bias")[i] : 0;
    } else if (L.kind === "pool") {
      const vals = [];
      for (let ky = 0; ky < L.kernel; ky++) {
        for (let kx = 0; kx < L.kernel; kx++) {
          const iy = yy * L.stride + ky - L.padding, ix = xx * L.stride + kx - L.padding;
          if (inside(iy, ix)) vals.push(fmt(x[(c * inShape[1] + iy) * inShape[2] + ix]));
        }
      }
      r.lines.push(L.pool + " of " + L.kernel + "×" + L.kernel + " inputs [" + vals.join(", ") + "] = " + fmt(r.value));
    } else if (L.kind === "bn") {
      const g = W("gamma")[c], b = W("beta")[c], mu = W("running_mean")[c], va = W("running_var")[c];
      r.lines.push("(x − mean) / √(var + ε) × γ + β = (" + fmt(x[i]) + " − " + fmt(mu) + ") / √(" + fmt(va) + " + " +
        L.eps + ") × " + fmt(g) + " + " + fmt(b) + " = " + fmt(r.value));
    } else if (L.kind === "act") {
      r.lines.push(L.activation + "(" + fmt(x[i]) + ") = " + fmt(out[name][i]));
    } else if (L.kind === "gap") {
      r.lines.push(L.pool + " over the " + inShape[1] + "×" + inShape[2] + " map of channel " + c + " = " + fmt(r.value));
    } else {
      r.lines.push("value " + fmt(r.value));
    }
    if (r.bias !== null) {
      let z = r.bias;
      for (const t of r.terms) z += t.w * t.x;
      r.z = z;
      r.terms.sort(function (a, b) { return Math.abs(b.w * b.x) - Math.abs(a.w * a.x); });
    }
    return r;
  }

  return { explainUnit: explainUnit, fmt: fmt, position: position, isMap: isMap };
});
