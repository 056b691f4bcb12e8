// The draw page: wires the pad, the forward pass (nn.js) and the preprocessing (preprocess.js) to
// the DOM, redraws every layer with the static figures' colour scales, the saturation meter and a
// clicked unit's arithmetic, and publishes the page API `window.lenetViz`. Text from the page's
// data goes in through textContent only.
(function (root) {
  "use strict";
  const nn = root.lenetNN, pp = root.lenetPreprocess, arith = root.lenetArith, fmt = arith.fmt;
  const bytes = root.lenetCanvas.bytes, el = root.lenetCanvas.el;
  const DATA = JSON.parse(document.getElementById("lenet-data").textContent);

  const MODELS = {};
  for (const m of DATA.models) {
    const b = bytes(m.weights);
    MODELS[m.name] = { meta: m, spec: m.spec, weights: new Float32Array(b.buffer, 0, b.length / 4) };
  }
  const LUT = {};
  for (const k of Object.keys(DATA.luts)) LUT[k] = bytes(DATA.luts[k]);
  const LOW = DATA.thresholds.low, HIGH = DATA.thresholds.high;

  function model(name) {
    const m = MODELS[name === undefined ? DATA.models[0].name : name];
    if (!m) throw new Error("unknown model " + name + "; this page has " + Object.keys(MODELS).join(", "));
    return m;
  }

  function forward(pixels, name) {
    const m = model(name);
    return nn.forward(m.spec, m.weights, pixels);
  }

  root.lenetViz = {
    models: function () { return DATA.models.map(function (m) { return m.name; }); },
    forward: forward,
    preprocess: pp.preprocess,
    // for tests and benchmarks: redraw from the pad now, and what the page currently shows
    update: update,
    state: function () {
      return { model: state.model, pixels: state.pixels ? Array.from(state.pixels) : null,
        label: state.out ? Array.from(state.out.probabilities).indexOf(Math.max.apply(null, state.out.probabilities)) : null };
    },
  };

  // ------------------------------------------------------------------ colour scales and helpers

  function symmetric(d) {
    let m = 0;
    for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]));
    return m > 0 ? m : 1;
  }

  // The rule of lenet_viz.render.maps._layer_scale: pre-activations symmetric; outputs of a bounded
  // activation (also pooled) fixed; other non-negative values 0–max; anything signed symmetric.
  function scaleOf(view, d) {
    if (view.pre) {
      const m = symmetric(d);
      return { lut: "RdBu_r", lo: -m, hi: m, text: "pre-activation z (shared, symmetric ±" + fmt(m) + ")" };
    }
    const s = view.layer.scale;
    if (s.fixed) {
      return { lut: s.fixed[0] === 0 ? "viridis" : "RdBu_r", lo: s.fixed[0], hi: s.fixed[1],
        text: s.what + " (fixed " + s.fixed[0] + "–" + s.fixed[1] + ")" };
    }
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < d.length; i++) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
    if (lo >= 0) return { lut: "viridis", lo: 0, hi: hi || 1, text: s.what + " (shared, 0–" + fmt(hi || 1) + ")" };
    const m = symmetric(d);
    return { lut: "RdBu_r", lo: -m, hi: m, text: s.what + " (shared, symmetric ±" + fmt(m) + ")" };
  }

  function paint(img, d, from, n, sc) {
    root.lenetCanvas.paint(img, d, from, n, sc, LUT[sc.lut]);
  }

  // ------------------------------------------------------------------ page state and views

  const dom = {
    pad: document.getElementById("pad"), input: document.getElementById("input"),
    views: document.getElementById("views"), meter: document.getElementById("meter"),
    prediction: document.getElementById("prediction"), arith: document.getElementById("arith"),
    status: document.getElementById("status"), select: document.getElementById("model"),
    digits: document.getElementById("digits"),
  };
  const state = { model: DATA.models[0].name, pixels: null, out: null, views: [], probs: [], meter: [],
    selected: null };

  function buildViews() {
    const m = model(state.model);
    dom.views.replaceChildren();
    state.views = [];
    state.selected = null;
    dom.arith.replaceChildren(el("p", {}, "Click any map pixel or dense unit to see its arithmetic."));
    dom.views.before(dom.arith);
    for (const key of m.spec.figures) {
      if (key === "input" || key === "prediction") continue;
      const pre = key.endsWith(".pre");
      const layer = m.spec.layers.find(function (l) { return l.name === (pre ? key.slice(0, -4) : key); });
      const shape = layer.shape;
      const isMap = arith.isMap(shape);
      const sec = el("section", { class: "view", id: "view-" + key.replace(".", "-"), "aria-label": key });
      sec.appendChild(el("h3", {}, key + (pre ? " (before the activation)" : "") + " — " + layer.describe));
      const caption = el("p", { class: "caption" });
      sec.appendChild(caption);
      const view = { key: key, layer: layer, pre: pre, shape: shape, isMap: isMap, caption: caption, canvases: [],
        section: sec };
      if (isMap) {
        const tiles = el("div", { class: "tiles" });
        for (let c = 0; c < shape[0]; c++) {
          const fig = el("figure", { class: "tile" });
          fig.style.margin = "0";
          const cv = el("canvas", { width: shape[2], height: shape[1], role: "img",
            "aria-label": key + " channel " + c });
          cv.addEventListener("click", select.bind(null, view, c));
          fig.appendChild(cv);
          fig.appendChild(el("figcaption", {}, String(c)));
          tiles.appendChild(fig);
          view.canvases.push({ cv: cv, ctx: cv.getContext("2d"), img: new ImageData(shape[2], shape[1]) });
        }
        sec.appendChild(tiles);
      } else {
        const n = shape.reduce(function (a, b) { return a * b; }, 1);
        const cv = el("canvas", { class: "strip", width: n, height: 1, role: "img",
          "aria-label": key + ": " + n + " units" });
        cv.addEventListener("click", select.bind(null, view, -1));
        sec.appendChild(cv);
        view.canvases.push({ cv: cv, ctx: cv.getContext("2d"), img: new ImageData(n, 1) });
      }
      dom.views.appendChild(sec);
      state.views.push(view);
    }
    buildPrediction();
    buildMeter();
  }

  function buildPrediction() {
    dom.prediction.replaceChildren();
    dom.prediction.appendChild(el("h3", {}, "prediction"));
    const head = el("p", { class: "big", "aria-live": "polite" });
    dom.prediction.appendChild(head);
    state.probs = { head: head, rows: [] };
    for (let k = 0; k < 10; k++) {
      const row = el("div", { class: "prob" });
      row.appendChild(el("span", {}, String(k)));
      const bar = el("div", { class: "bar", "aria-hidden": "true" });
      const fill = el("span");
      bar.appendChild(fill);
      row.appendChild(bar);
      const val = el("span");
      row.appendChild(val);
      dom.prediction.appendChild(row);
      state.probs.rows.push({ row: row, fill: fill, val: val });
    }
  }

  function buildMeter() {
    const m = model(state.model);
    dom.meter.replaceChildren();
    dom.meter.appendChild(el("h3", {}, "saturation of this drawing"));
    dom.meter.appendChild(el("p", { class: "caption" }, "sigmoid: share of units below " + LOW + " or above " + HIGH +
      " (lenet_viz.facts: the thresholds of the saturation statistics) and the mean σ′ = s(1 − s), at most 0.25; ReLU: share of units that are zero."));
    const table = el("table");
    const head = el("tr");
    for (const h of ["layer", "activation", "saturated / zero", "mean σ′"]) head.appendChild(el("th", { scope: "col" }, h));
    table.appendChild(head);
    state.meter = [];
    for (const layer of m.spec.layers) {
      if (!layer.activation) continue;
      const tr = el("tr");
      tr.appendChild(el("td", {}, layer.name));
      tr.appendChild(el("td", {}, layer.activation));
      const sat = el("td", { class: "num" }), ds = el("td", { class: "num" });
      tr.appendChild(sat); tr.appendChild(ds);
      table.appendChild(tr);
      state.meter.push({ layer: layer, sat: sat, ds: ds });
    }
    dom.meter.appendChild(table);
  }

  function drawInput(px) {
    root.lenetCanvas.drawDigit(dom.input, px, LUT.gray);
    if (!px) return;
    const c = dom.input.getContext("2d");
    const sel = state.selected;
    if (sel) {
      const s = dom.input.width / 28;
      c.strokeStyle = "#ff7f0e";
      c.lineWidth = 3;
      c.strokeRect(sel.rf[1] * s + 1.5, sel.rf[0] * s + 1.5, sel.rf[3] * s - 3, sel.rf[2] * s - 3);
    }
  }

  function drawViews(out) {
    for (const v of state.views) {
      const d = out[v.key];
      const sc = scaleOf(v, d);
      v.caption.textContent = sc.text;
      const per = v.isMap ? v.shape[1] * v.shape[2] : d.length;
      v.canvases.forEach(function (t, c) {
        paint(t.img, d, c * per, per, sc);
        t.ctx.putImageData(t.img, 0, 0);
      });
    }
  }

  function drawPrediction(p) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (p[k] > p[best]) best = k;
    state.probs.head.textContent = state.model + " reads " + best + " (p = " + p[best].toFixed(3) + ")";
    state.probs.rows.forEach(function (r, k) {
      r.fill.style.width = (100 * p[k]).toFixed(1) + "%";
      r.val.textContent = p[k].toFixed(3);
      r.row.classList.toggle("top", k === best);
    });
    return best;
  }

  function drawMeter(out) {
    for (const row of state.meter) {
      const d = out[row.layer.name];
      let sat = 0, ds = 0;
      for (let i = 0; i < d.length; i++) {
        const s = d[i];
        if (row.layer.activation === "sigmoid") { if (s < LOW || s > HIGH) sat++; ds += s * (1 - s); } else if (s === 0) sat++;
      }
      row.sat.textContent = (100 * sat / d.length).toFixed(1) + " %";
      row.ds.textContent = row.layer.activation === "sigmoid" ? (ds / d.length).toFixed(4) : "—";
    }
  }

  function clearOutputs(message) {
    state.out = null;
    dom.views.hidden = true;
    state.probs.head.textContent = message;
    state.probs.rows.forEach(function (r) { r.fill.style.width = "0"; r.val.textContent = "—"; r.row.classList.remove("top"); });
    for (const row of state.meter) { row.sat.textContent = "—"; row.ds.textContent = "—"; }
  }

  // Everything after a change: input → forward → every view, the meter, the prediction, the arithmetic.
  function update() {
    const px = pad.pixels(pp.preprocess);
    state.pixels = px;
    if (!px) {
      const msg = pad.isEmpty() ? "The pad is empty: draw a digit." : "No ink found: draw darker or larger.";
      dom.status.textContent = msg;
      clearOutputs(msg);
      drawInput(null);
      return null;
    }
    const out = forward(px, state.model);
    state.out = out;
    dom.views.hidden = false;
    drawViews(out);
    const best = drawPrediction(out.probabilities);
    drawMeter(out);
    if (state.selected) explain();
    drawInput(px);
    dom.status.textContent = state.model + " reads " + best + ".";
    return out;
  }

  // ------------------------------------------------------------------ click a unit: its arithmetic

  function select(view, channel, e) {
    const cv = e.currentTarget, r = cv.getBoundingClientRect();
    const col = Math.min(cv.width - 1, Math.floor((e.clientX - r.left) * cv.width / r.width));
    const row = Math.min(cv.height - 1, Math.floor((e.clientY - r.top) * cv.height / r.height));
    const index = view.isMap ? (channel * view.shape[1] + row) * view.shape[2] + col : col;
    state.selected = { view: view, index: index, rf: [0, 0, 28, 28] };
    view.section.after(dom.arith); // the arithmetic right under the layer that was clicked
    explain();
    if (state.pixels) drawInput(state.pixels);
  }

  function explain() {
    const sel = state.selected, out = state.out;
    if (!sel || !out) return;
    const m = model(state.model), v = sel.view;
    const r = arith.explainUnit(m.spec, m.weights, out, state.pixels, v.key, sel.index);
    sel.rf = r.rf;
    const box = dom.arith;
    box.replaceChildren();
    box.appendChild(el("h3", {}, v.key + " " + r.where + " (" + r.layer.kind + ")"));
    box.appendChild(el("p", {}, r.spatial ? "receptive field on the input: " + r.rf[2] + "×" + r.rf[3] +
      " px at row " + r.rf[0] + ", col " + r.rf[1] + " (outlined)" : "receptive field: the whole input"));
    for (const line of r.lines) box.appendChild(el("p", {}, line));
    if (r.bias === null) return;
    box.appendChild(el("p", {}, "largest of " + r.terms.length + " terms w·x:"));
    const ol = el("ol");
    for (const t of r.terms.slice(0, 8)) {
      ol.appendChild(el("li", {}, fmt(t.w) + " × " + fmt(t.x) + " = " + fmt(t.w * t.x) + "   (" + t.where + ")"));
    }
    box.appendChild(ol);
    const pre = out[r.layer.name + ".pre"];
    box.appendChild(el("p", {}, "bias " + fmt(r.bias) + "; z = Σ w·x + b = " + fmt(pre ? pre[sel.index] : r.z)));
    if (r.layer.activation) box.appendChild(el("p", {}, r.layer.activation + "(z) = " + fmt(out[r.layer.name][sel.index])));
  }

  // ------------------------------------------------------------------ controls

  const pad = new root.LenetPad(dom.pad, update);
  document.getElementById("clear").addEventListener("click", function () { pad.clear(); update(); });
  document.getElementById("undo").addEventListener("click", function () { pad.undo(); update(); });
  for (const m of DATA.models) {
    const acc = m.accuracy === null ? "" : ", held-out accuracy " + m.accuracy.toFixed(3);
    const about = (m.variant !== m.name ? m.variant + ", " : "") + m.n_params.toLocaleString("en") + " parameters" + acc;
    dom.select.appendChild(el("option", { value: m.name }, m.name + " (" + about + ")"));
  }
  dom.select.addEventListener("change", function () {
    state.model = dom.select.value;
    buildViews();
    update();
  });
  DATA.digits.forEach(function (d, k) {
    const b = el("button", { type: "button", class: "load", "data-index": String(k),
      "aria-label": "Load " + d.label + " (" + d.id + ")", title: d.id }, String(d.label));
    const raw = bytes(d.pixels), px = new Float32Array(784);
    for (let j = 0; j < 784; j++) px[j] = raw[j] / 255;
    b.addEventListener("click", function () { pad.load(px); update(); });
    dom.digits.appendChild(b);
  });
  if (!DATA.digits.length) dom.digits.hidden = true;

  buildViews();
  update();

})(typeof globalThis !== "undefined" ? globalThis : this);
