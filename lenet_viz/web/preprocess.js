// A drawing → the 784 numbers the net sees, made as lenet_viz/images.py makes them (read it beside
// this file): grayscale as Pillow converts RGB to L, transparency flattened onto white, inverted when
// the border is light, background level removed, cropped to the ink (pixels above 20 % of the
// contrast, plus a margin of about one output pixel), longest side scaled to 20 px by one LANCZOS
// resampling that also places the centre of mass at (14, 14) — Pillow's two-pass resampler with
// its box argument, reproduced step by step — and scaled so the strongest ink is 1.
// Pure functions: `preprocess(imageData)` needs only {width, height, data (RGBA bytes)}.
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.lenetPreprocess = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  // The constants of lenet_viz/images.py; the build checks they still agree.
  const C = { MIN_CONTRAST: 0.08, BBOX_FRACTION: 0.2, BOX: 20, FIELD: 28, CENTRE: 14.0, MAX_CROP: 160 };
  const f32 = Math.fround;

  // RGBA bytes → gray float32 in [0, 1] (1 = white), as images._decode: opaque images convert to L;
  // with transparency, composited over white (over black when only the alpha channel shows ink).
  function toGray(img) {
    const n = img.width * img.height, d = img.data;
    let translucent = false;
    for (let i = 0; i < n; i++) if (d[4 * i + 3] !== 255) { translucent = true; break; }
    const lum = function (bg) {
      const g = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const a = d[4 * i + 3];
        const ch = function (v) { return a === 255 ? v : Math.round((v * a + bg * (255 - a)) / 255); };
        // Pillow's L: ITU-R 601-2 luma in 16-bit fixed point.
        const L = (ch(d[4 * i]) * 19595 + ch(d[4 * i + 1]) * 38470 + ch(d[4 * i + 2]) * 7471 + 0x8000) >> 16;
        g[i] = f32(L / 255);
      }
      return g;
    };
    let gray = lum(255);
    if (translucent && contrast(ink(gray, img.width, img.height).ink) < C.MIN_CONTRAST) {
      let lo = 255, hi = 0;
      for (let i = 0; i < n; i++) { lo = Math.min(lo, d[4 * i + 3]); hi = Math.max(hi, d[4 * i + 3]); }
      if ((hi - lo) / 255 >= C.MIN_CONTRAST) gray = lum(0);
    }
    return gray;
  }

  function median(values) {
    const s = Float32Array.from(values).sort();
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : f32((s[m - 1] + s[m]) / 2);
  }

  // gray → ink ≥ 0 with the background at 0 (images._ink).
  function ink(gray, w, h) {
    const border = [];
    for (let x = 0; x < w; x++) border.push(gray[x], gray[(h - 1) * w + x]);
    for (let y = 1; y < h - 1; y++) border.push(gray[y * w], gray[y * w + w - 1]);
    const level = median(border);
    const inverted = level > 0.5;
    const bg = f32(inverted ? 1 - level : level);
    const out = new Float32Array(gray.length);
    for (let i = 0; i < gray.length; i++) {
      const v = inverted ? f32(1 - gray[i]) : gray[i];
      out[i] = Math.max(f32(v - bg), 0);
    }
    return { ink: out, inverted: inverted, level: level };
  }

  function contrast(a) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < a.length; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i]; }
    return hi - lo;
  }

  // (row, column) centre of mass, pixel centres at integers.
  function centreOfMass(a, w, h) {
    let m = 0, sy = 0, sx = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = a[y * w + x];
        m += v; sy += v * y; sx += v * x;
      }
    }
    return [sy / m, sx / m];
  }

  function clip(v, lo, hi) { return Math.min(Math.max(v, lo), hi); }

  // Pillow's LANCZOS kernel (support 3) and its coefficient table (precompute_coeffs in Resample.c).
  function sinc(x) {
    if (x === 0) return 1;
    x *= Math.PI;
    return Math.sin(x) / x;
  }
  function lanczos(x) { return -3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0; }

  function coeffs(inSize, in0, in1, outSize) {
    const scale = (in1 - in0) / outSize;
    const filterscale = Math.max(scale, 1);
    const support = 3 * filterscale;
    const out = [];
    for (let xx = 0; xx < outSize; xx++) {
      const center = in0 + (xx + 0.5) * scale;
      const ss = 1 / filterscale;
      const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
      const k = new Float64Array(Math.max(xmax, 0));
      let ww = 0;
      for (let x = 0; x < xmax; x++) { k[x] = lanczos((x + xmin - center + 0.5) * ss); ww += k[x]; }
      if (ww !== 0) for (let x = 0; x < xmax; x++) k[x] /= ww;
      out.push({ min: xmin, k: k });
    }
    return out;
  }

  // Image.resize((n, n), LANCZOS, box=(x0, y0, x1, y1)) of a float32 ("F") image: a horizontal
  // pass over the rows the vertical pass needs, then a vertical pass, float32 between them.
  function resizeBox(src, w, h, box, n) {
    const kh = coeffs(w, box[0], box[2], n), kv = coeffs(h, box[1], box[3], n);
    const first = kv[0].min, last = kv[n - 1].min + kv[n - 1].k.length;
    const rows = last - first;
    const tmp = new Float32Array(rows * n);
    for (let y = 0; y < rows; y++) {
      for (let xx = 0; xx < n; xx++) {
        const c = kh[xx];
        let s = 0;
        for (let x = 0; x < c.k.length; x++) s += src[(y + first) * w + x + c.min] * c.k[x];
        tmp[y * n + xx] = s;
      }
    }
    const out = new Float32Array(n * n);
    for (let yy = 0; yy < n; yy++) {
      const c = kv[yy];
      for (let xx = 0; xx < n; xx++) {
        let s = 0;
        for (let y = 0; y < c.k.length; y++) s += tmp[(y + c.min - first) * n + xx] * c.k[y];
        out[yy * n + xx] = s;
      }
    }
    return out;
  }

  // images._place_whole_pixels: a box already 20 px long, moved by whole pixels.
  function placeWholePixels(crop, cw, ch, box) {
    const [by, bx, bh, bw] = box;
    const [cy, cx] = centreOfMass(crop, cw, ch);
    const F = C.FIELD;
    const top = clip(Math.floor(C.CENTRE - cy + 0.5), -by, F - bh - by);
    const left = clip(Math.floor(C.CENTRE - cx + 0.5), -bx, F - bw - bx);
    const out = new Float32Array(F * F);
    for (let y = Math.max(top, 0); y < Math.min(top + ch, F); y++) {
      for (let x = Math.max(left, 0); x < Math.min(left + cw, F); x++) out[y * F + x] = crop[(y - top) * cw + x - left];
    }
    return out;
  }

  // images._place_resampled: scale the box's longest side to 20 px and centre by mass, in one resampling.
  function placeResampled(crop, cw, ch, box) {
    let [by, bx, bh, bw] = box;
    const k = Math.ceil(Math.max(cw, ch) / C.MAX_CROP);
    if (k > 1) {
      // exact k×k area averaging first, as the Python does for long crops
      const nh = Math.ceil(ch / k), nw = Math.ceil(cw / k);
      const red = new Float32Array(nh * nw);
      for (let y = 0; y < nh; y++) {
        for (let x = 0; x < nw; x++) {
          let s = 0;
          for (let dy = 0; dy < k; dy++) {
            for (let dx = 0; dx < k; dx++) {
              const yy = y * k + dy, xx = x * k + dx;
              if (yy < ch && xx < cw) s += crop[yy * cw + xx];
            }
          }
          red[y * nw + x] = s / (k * k);
        }
      }
      crop = red; cw = nw; ch = nh;
      by /= k; bx /= k; bh /= k; bw /= k;
    }
    const scale = C.BOX / Math.max(bh, bw);
    const span = C.FIELD / scale;
    const pad = Math.ceil(span) + 1;
    const [cy, cx] = centreOfMass(crop, cw, ch);
    const y0 = clip(pad + cy + 0.5 - (C.CENTRE + 0.5) / scale, pad + by + bh - span, pad + by);
    const x0 = clip(pad + cx + 0.5 - (C.CENTRE + 0.5) / scale, pad + bx + bw - span, pad + bx);
    const pw = cw + 2 * pad, ph = ch + 2 * pad;
    const src = new Float32Array(pw * ph);
    for (let y = 0; y < ch; y++) src.set(crop.subarray(y * cw, (y + 1) * cw), (y + pad) * pw + pad);
    const out = resizeBox(src, pw, ph, [x0, y0, x0 + span, y0 + span], C.FIELD);
    for (let i = 0; i < out.length; i++) if (out[i] < 0) out[i] = 0; // LANCZOS rings below zero
    return out;
  }

  // {width, height, data: RGBA bytes} → Float32Array(784) in [0, 1], or null when there is no ink.
  function preprocess(img) {
    const w = img.width, h = img.height;
    if (!(w >= 2 && h >= 2) || !img.data || img.data.length !== 4 * w * h) {
      throw new Error("preprocess: expected an ImageData of at least 2x2 pixels");
    }
    const a = ink(toGray(img), w, h).ink;
    const con = contrast(a);
    if (con < C.MIN_CONTRAST) return null;
    const t = C.BBOX_FRACTION * con;
    let r0 = h, r1 = -1, c0 = w, c1 = -1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (a[y * w + x] > t) { r0 = Math.min(r0, y); r1 = Math.max(r1, y); c0 = Math.min(c0, x); c1 = Math.max(c1, x); }
      }
    }
    r1 += 1; c1 += 1;
    const m = Math.ceil(Math.max(r1 - r0, c1 - c0) / C.BOX);
    const y0 = Math.max(r0 - m, 0), x0 = Math.max(c0 - m, 0);
    const y1 = Math.min(r1 + m, h), x1 = Math.min(c1 + m, w);
    const cw = x1 - x0, ch = y1 - y0;
    const crop = new Float32Array(cw * ch);
    for (let y = 0; y < ch; y++) crop.set(a.subarray((y + y0) * w + x0, (y + y0) * w + x1), y * cw);
    const box = [r0 - y0, c0 - x0, r1 - r0, c1 - c0];
    const out = Math.max(box[2], box[3]) === C.BOX
      ? placeWholePixels(crop, cw, ch, box) : placeResampled(crop, cw, ch, box);
    let peak = 0;
    for (let i = 0; i < out.length; i++) if (out[i] > peak) peak = out[i];
    if (peak <= 0) return null;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(f32(out[i] / peak), 0), 1);
    return out;
  }

  return {
    CONSTANTS: C, preprocess: preprocess, toGray: toGray, ink: ink, centreOfMass: centreOfMass,
    coeffs: coeffs, resizeBox: resizeBox, lanczos: lanczos,
  };
});
