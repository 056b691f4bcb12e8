// Helpers the draw and training pages share: base64 to bytes, a DOM element with attributes and text
// (text through textContent only), matplotlib's colour lookup into ImageData pixels, and the input drawn.
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

  // A 28×28 input (values in [0, 1], or null for an empty pad) drawn in grey, pixel for pixel,
  // scaled up to fill the canvas.
  function drawDigit(canvas, px, lut) {
    const c = canvas.getContext("2d");
    c.fillStyle = "#000";
    c.fillRect(0, 0, canvas.width, canvas.height);
    if (!px) return;
    const small = document.createElement("canvas");
    small.width = 28; small.height = 28;
    const img = new ImageData(28, 28);
    paint(img, px, 0, 784, { lo: 0, hi: 1 }, lut);
    small.getContext("2d").putImageData(img, 0, 0);
    c.imageSmoothingEnabled = false;
    c.drawImage(small, 0, 0, canvas.width, canvas.height);
  }

  return { bytes: bytes, el: el, paint: paint, drawDigit: drawDigit };
});
