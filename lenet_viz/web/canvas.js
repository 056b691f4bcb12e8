// Helpers the draw and training pages share: base64 to bytes, a DOM element with attributes and text
// (text through textContent only), and matplotlib's colour lookup into ImageData pixels.
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.lenetCanvas = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  function bytes(b64) {
    const s = atob(b64), a = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const k of Object.keys(attrs || {})) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // matplotlib's lookup: normalise to [lo, hi], then index int(t * 256) clipped to 0..255 of a
  // 256-entry RGB table (lut: 768 bytes); writes n RGBA pixels of d[from…] into img.data.
  function paint(img, d, from, n, sc, lut) {
    const span = sc.hi - sc.lo, px = img.data;
    for (let i = 0; i < n; i++) {
      let t = (d[from + i] - sc.lo) / span;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const k = Math.min(255, Math.floor(t * 256)) * 3;
      px[4 * i] = lut[k]; px[4 * i + 1] = lut[k + 1]; px[4 * i + 2] = lut[k + 2]; px[4 * i + 3] = 255;
    }
  }

  return { bytes: bytes, el: el, paint: paint };
});
