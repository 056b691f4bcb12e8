// The forward pass of the shipped nets in plain JavaScript, as pure functions over typed arrays.
//
// A tensor is {data: Float32Array, shape: [C, H, W] or [N]} for one image (no batch axis), in C
// order, as MXNet lays it out. Sums run in float64 (JS numbers) and every layer's output is
// stored as float32, as MXNet stores it, so values agree with MXNet to about 1e-6 relative.
// `forward(spec, weights, pixels)` runs a net described by the layer spec the Python build
// writes (lenet_viz/site/draw.py); it returns every layer under its Trace name, `<name>.pre` for the
// input of an activation, and `probabilities`.
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.lenetNN = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  function tensor(data, shape) {
    return { data: data, shape: shape };
  }

  function size(shape) {
    return shape.reduce(function (a, b) { return a * b; }, 1);
  }

  // x: [C,H,W]; w: Float32Array [O,C,K,K]; b: Float32Array [O] or null.
  function conv2d(x, w, wShape, b, stride, pad) {
    const C = x.shape[0], H = x.shape[1], W = x.shape[2];
    const O = wShape[0], K = wShape[2];
    if (wShape[1] !== C) throw new Error("conv2d: weight expects " + wShape[1] + " channels, got " + C);
    const Ho = Math.floor((H + 2 * pad - K) / stride) + 1;
    const Wo = Math.floor((W + 2 * pad - K) / stride) + 1;
    // Few inputs per output (one input channel): slide each kernel weight over the image.
    // Many: im2col and one long dot product per output, faster in JS engines.
    const out = C * K * K < 64 ? slide(x.data, C, H, W, w, O, K, b, stride, pad, Ho, Wo)
      : im2col(x.data, C, H, W, w, O, K, b, stride, pad, Ho, Wo);
    return tensor(out, [O, Ho, Wo]);
  }

  function slide(xd, C, H, W, w, O, K, b, stride, pad, Ho, Wo) {
    const acc = new Float64Array(Ho * Wo), out = new Float32Array(O * Ho * Wo);
    // output rows/columns whose input position lies inside the image, per kernel offset
    const lo = new Int32Array(K), hiY = new Int32Array(K), hiX = new Int32Array(K);
    for (let k = 0; k < K; k++) {
      lo[k] = Math.max(0, Math.ceil((pad - k) / stride));
      hiY[k] = Math.min(Ho, Math.floor((H - 1 + pad - k) / stride) + 1);
      hiX[k] = Math.min(Wo, Math.floor((W - 1 + pad - k) / stride) + 1);
    }
    for (let o = 0; o < O; o++) {
      acc.fill(b ? b[o] : 0);
      for (let c = 0; c < C; c++) {
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) {
            const wv = w[((o * C + c) * K + ky) * K + kx];
            for (let y = lo[ky]; y < hiY[ky]; y++) {
              const row = (c * H + y * stride + ky - pad) * W + kx - pad, arow = y * Wo;
              for (let xx = lo[kx]; xx < hiX[kx]; xx++) acc[arow + xx] += wv * xd[row + xx * stride];
            }
          }
        }
      }
      out.set(acc, o * Ho * Wo);
    }
    return out;
  }

  function im2col(xd, C, H, W, w, O, K, b, stride, pad, Ho, Wo) {
    // one row of C·K·K input values per output position (zeros where the kernel overhangs)
    const n = C * K * K, P = Ho * Wo;
    const cols = new Float32Array(P * n);
    for (let y = 0; y < Ho; y++) {
      for (let xx = 0; xx < Wo; xx++) {
        let at = (y * Wo + xx) * n;
        for (let c = 0; c < C; c++) {
          for (let ky = 0; ky < K; ky++) {
            const iy = y * stride + ky - pad;
            const inside = iy >= 0 && iy < H, row = (c * H + iy) * W;
            for (let kx = 0; kx < K; kx++, at++) {
              const ix = xx * stride + kx - pad;
              if (inside && ix >= 0 && ix < W) cols[at] = xd[row + ix];
            }
          }
        }
      }
    }
    const out = new Float32Array(O * P);
    for (let o = 0; o < O; o++) {
      const wo = o * n, bias = b ? b[o] : 0;
      for (let q = 0; q < P; q++) {
        let s = bias;
        const cq = q * n;
        for (let i = 0; i < n; i++) s += w[wo + i] * cols[cq + i];
        out[o * P + q] = s;
      }
    }
    return out;
  }

  // Gluon Dense flattens its input; w: [units, in].
  function dense(x, w, units, b) {
    const n = x.data.length;
    if (w.length !== units * n) throw new Error("dense: weight holds " + w.length + " values, expected " + units * n);
    const out = new Float32Array(units);
    const xd = x.data;
    for (let u = 0; u < units; u++) {
      let s = b ? b[u] : 0;
      const base = u * n;
      for (let i = 0; i < n; i++) s += w[base + i] * xd[i];
      out[u] = s;
    }
    return tensor(out, [units]);
  }

  // MXNet's 'valid' pooling convention; average pooling counts padded cells (count_include_pad).
  function pool2d(x, k, stride, pad, type) {
    const C = x.shape[0], H = x.shape[1], W = x.shape[2];
    const Ho = Math.floor((H + 2 * pad - k) / stride) + 1;
    const Wo = Math.floor((W + 2 * pad - k) / stride) + 1;
    const out = new Float32Array(C * Ho * Wo);
    const xd = x.data, isMax = type === "max";
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < Ho; y++) {
        for (let xx = 0; xx < Wo; xx++) {
          let s = isMax ? -Infinity : 0;
          for (let ky = 0; ky < k; ky++) {
            const iy = y * stride + ky - pad;
            if (iy < 0 || iy >= H) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = xx * stride + kx - pad;
              if (ix < 0 || ix >= W) continue;
              const v = xd[(c * H + iy) * W + ix];
              if (isMax) { if (v > s) s = v; } else s += v;
            }
          }
          out[(c * Ho + y) * Wo + xx] = isMax ? s : s / (k * k);
        }
      }
    }
    return tensor(out, [C, Ho, Wo]);
  }

  function globalPool(x, type) {
    const C = x.shape[0], n = x.shape[1] * x.shape[2];
    const out = new Float32Array(C);
    for (let c = 0; c < C; c++) {
      let s = type === "max" ? -Infinity : 0;
      for (let i = 0; i < n; i++) {
        const v = x.data[c * n + i];
        if (type === "max") { if (v > s) s = v; } else s += v;
      }
      out[c] = type === "max" ? s : s / n;
    }
    return tensor(out, [C, 1, 1]);
  }

  // Inference: (x - mean) / sqrt(var + eps) * gamma + beta, per channel (axis 0 here, 1 in MXNet).
  function batchnorm(x, gamma, beta, mean, variance, eps) {
    const C = x.shape[0], n = x.data.length / C;
    const out = new Float32Array(x.data.length);
    for (let c = 0; c < C; c++) {
      const scale = gamma[c] / Math.sqrt(variance[c] + eps);
      for (let i = 0; i < n; i++) out[c * n + i] = (x.data[c * n + i] - mean[c]) * scale + beta[c];
    }
    return tensor(out, x.shape.slice());
  }

  const ACTIVATIONS = {
    sigmoid: function (z) { return 1 / (1 + Math.exp(-z)); },
    relu: function (z) { return z > 0 ? z : 0; },
    tanh: Math.tanh,
    softrelu: function (z) { return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)); },
    softsign: function (z) { return z / (1 + Math.abs(z)); },
  };

  function activation(x, type) {
    const f = ACTIVATIONS[type];
    if (!f) throw new Error("unknown activation " + type + "; known: " + Object.keys(ACTIVATIONS).join(", "));
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]);
    return tensor(out, x.shape.slice());
  }

  function softmax(v) {
    let m = -Infinity;
    for (let i = 0; i < v.length; i++) if (v[i] > m) m = v[i];
    const e = new Float64Array(v.length);
    let s = 0;
    for (let i = 0; i < v.length; i++) { e[i] = Math.exp(v[i] - m); s += e[i]; }
    const out = new Float32Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = e[i] / s;
    return out;
  }

  // The weights of one parameter of a layer, as a view into the model's float32 blob.
  function param(weights, layer, key) {
    const p = layer.params && layer.params[key];
    if (!p) return null;
    return weights.subarray(p.offset, p.offset + size(p.shape));
  }

  // One layer of the spec applied to x; returns {out, pre} (pre: the activation's input, or null).
  function applyLayer(layer, weights, x) {
    const P = function (k) { return param(weights, layer, k); };
    let z;
    switch (layer.kind) {
      case "conv":
        z = conv2d(x, P("weight"), layer.params.weight.shape, P("bias"), layer.stride, layer.padding);
        break;
      case "dense":
        z = dense(x, P("weight"), layer.units, P("bias"));
        break;
      case "pool":
        return { out: pool2d(x, layer.kernel, layer.stride, layer.padding, layer.pool), pre: null };
      case "gap":
        return { out: globalPool(x, layer.pool), pre: null };
      case "bn":
        return { out: batchnorm(x, P("gamma"), P("beta"), P("running_mean"), P("running_var"), layer.eps), pre: null };
      case "act":
        return { out: activation(x, layer.activation), pre: x };
      case "flatten":
        return { out: tensor(x.data, [x.data.length]), pre: null };
      case "dropout":
        return { out: x, pre: null };
      default:
        throw new Error("unknown layer kind " + layer.kind);
    }
    if (layer.activation) return { out: activation(z, layer.activation), pre: z };
    return { out: z, pre: null };
  }

  // pixels: 784 numbers in [0, 1], row-major. Returns {name: Float32Array} in net order,
  // `<name>.pre` right after its layer, then `probabilities`.
  function forward(spec, weights, pixels) {
    if (!pixels || pixels.length !== 784) {
      throw new Error("forward: expected 784 pixel values (28x28, row-major), got " + (pixels ? pixels.length : pixels));
    }
    let x = tensor(Float32Array.from(pixels), [1, 28, 28]);
    const result = {};
    for (const layer of spec.layers) {
      const r = applyLayer(layer, weights, x);
      result[layer.name] = r.out.data;
      if (r.pre) result[layer.name + ".pre"] = r.pre.data;
      x = r.out;
    }
    result.probabilities = softmax(x.data);
    return result;
  }

  return {
    conv2d: conv2d, dense: dense, pool2d: pool2d, globalPool: globalPool, batchnorm: batchnorm,
    activation: activation, softmax: softmax, applyLayer: applyLayer, forward: forward,
    ACTIVATIONS: ACTIVATIONS, size: size,
  };
});
