// The drawing pad: strokes from mouse, touch or pen (pointer events), undo, clear, and a held-out
// digit as a starting picture. Black ink on white paper; the pad only keeps strokes and tells
// `onChange` when the picture changed (at most once per animation frame while drawing).
(function (root) {
  "use strict";

  const LINE = 20; // px on the 280-px pad: about 2 px of the 20-px digit box, as MNIST strokes are

  function Pad(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.strokes = [];
    this.base = null; // {pixels: Float32Array(784)} of a loaded digit
    this.onChange = onChange;
    this.pending = false;
    this.active = null;
    const self = this;
    canvas.addEventListener("pointerdown", function (e) { self.down(e); });
    canvas.addEventListener("pointermove", function (e) { self.move(e); });
    canvas.addEventListener("pointerup", function (e) { self.up(e); });
    canvas.addEventListener("pointercancel", function (e) { self.up(e); });
    this.render();
  }

  Pad.prototype.point = function (e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * this.canvas.width / r.width, (e.clientY - r.top) * this.canvas.height / r.height];
  };

  Pad.prototype.down = function (e) {
    if (e.button !== undefined && e.button > 0) return;
    e.preventDefault();
    if (this.canvas.setPointerCapture) {
      try { this.canvas.setPointerCapture(e.pointerId); } catch (err) { /* synthetic events have no pointer */ }
    }
    this.active = { id: e.pointerId, points: [this.point(e)] };
    this.strokes.push(this.active.points);
    this.paintStroke(this.active.points);
    this.changed();
  };

  Pad.prototype.move = function (e) {
    if (!this.active || e.pointerId !== this.active.id) return;
    e.preventDefault();
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    const list = events.length ? events : [e];
    for (const ev of list) this.active.points.push(this.point(ev));
    this.paintStroke(this.active.points.slice(-list.length - 1));
    this.changed();
  };

  Pad.prototype.up = function (e) {
    if (!this.active || e.pointerId !== this.active.id) return;
    this.active = null;
    this.changed();
  };

  Pad.prototype.changed = function () {
    if (this.pending) return;
    this.pending = true;
    const self = this;
    const fire = function () { self.pending = false; self.onChange(); };
    if (typeof requestAnimationFrame === "function") requestAnimationFrame(fire); else fire();
  };

  Pad.prototype.paintStroke = function (pts) {
    const c = this.ctx;
    c.strokeStyle = "#000";
    c.fillStyle = "#000";
    c.lineWidth = LINE;
    c.lineCap = "round";
    c.lineJoin = "round";
    if (pts.length === 1) {
      c.beginPath();
      c.arc(pts[0][0], pts[0][1], LINE / 2, 0, 2 * Math.PI);
      c.fill();
      return;
    }
    c.beginPath();
    c.moveTo(pts[0][0], pts[0][1]);
    for (let i = 1; i < pts.length; i++) c.lineTo(pts[i][0], pts[i][1]);
    c.stroke();
  };

  // Repaint everything: paper, the loaded digit (ink dark on white, smoothed up from 28x28), strokes.
  Pad.prototype.render = function () {
    const c = this.ctx, w = this.canvas.width, h = this.canvas.height;
    c.fillStyle = "#fff";
    c.fillRect(0, 0, w, h);
    if (this.base) {
      const small = document.createElement("canvas");
      small.width = 28; small.height = 28;
      const sc = small.getContext("2d");
      const img = sc.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = Math.round(255 * (1 - this.base.pixels[i]));
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
      }
      sc.putImageData(img, 0, 0);
      c.imageSmoothingEnabled = true;
      c.drawImage(small, 0, 0, w, h);
    }
    for (const s of this.strokes) this.paintStroke(s);
  };

  Pad.prototype.clear = function () {
    this.strokes = []; this.base = null; this.active = null;
    this.render(); this.changed();
  };

  Pad.prototype.undo = function () {
    if (this.strokes.length) this.strokes.pop(); else this.base = null;
    this.active = null;
    this.render(); this.changed();
  };

  Pad.prototype.load = function (pixels) {
    this.strokes = []; this.active = null;
    this.base = { pixels: pixels };
    this.render(); this.changed();
  };

  Pad.prototype.isEmpty = function () { return !this.base && this.strokes.length === 0; };

  // A loaded digit untouched is given to the net as it is (as the gallery's digit pages show it);
  // anything drawn goes through the MNIST-style preprocessing.
  Pad.prototype.pixels = function (preprocess) {
    if (this.base && this.strokes.length === 0) return this.base.pixels;
    if (this.isEmpty()) return null;
    return preprocess(this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height));
  };

  root.LenetPad = Pad;
})(typeof globalThis !== "undefined" ? globalThis : this);
