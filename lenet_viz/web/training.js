// The training page: the pad (pad.js) and preprocessing (preprocess.js) feed one digit to two runs;
// the epoch slider picks each run's checkpoint (checkpoints.js), nn.js runs it, and every layer, the
// conv1 kernels, the saturation meter, the probabilities and that epoch's held-out accuracy are
// redrawn. Publishes `window.lenetViz`. Text from the page's data goes in through textContent only.
(function (root) {
  "use strict";
  const nn = root.lenetNN, pp = root.lenetPreprocess, cks = root.lenetCheckpoints;
  const bytes = root.lenetCanvas.bytes, el = root.lenetCanvas.el;
  const DATA = JSON.parse(document.getElementById("lenet-data").textContent);
  const SPEC = DATA.spec, LOW = DATA.thresholds.low, HIGH = DATA.thresholds.high;

  const RUNS = {}, CHECKPOINTS = {};
  for (const r of DATA.runs) {
    RUNS[r.name] = r;
    r.epochList = r.checkpoints.map(function (c) { return c.epoch; });
    for (const c of r.checkpoints) CHECKPOINTS[c.id] = c;
  }
  const LUT = {};
  for (const k of Object.keys(DATA.luts)) LUT[k] = bytes(DATA.luts[k]);

  // Weights are widened from float16 on first use and kept.
  function weights(id) {
    const c = CHECKPOINTS[id];
    if (!c) throw new Error("unknown checkpoint " + id + "; this page has " + Object.keys(CHECKPOINTS).join(", "));
    if (!c.w) c.w = cks.decode(bytes(c.weights), c.dtype);
    return c.w;
  }

  function forward(pixels, id) {
    return nn.forward(SPEC, weights(id), pixels);
  }

  // ------------------------------------------------------------------ drawing helpers

  function maxAbs(d, from, n) {
    let m = 0;
    for (let i = from; i < from + n; i++) m = Math.max(m, Math.abs(d[i]));
    return m > 0 ? m : 1;
  }

  // As the draw page: bounded outputs on their fixed range, anything else symmetric around zero.
  function scaleOf(layer, d) {
    const f = layer.scale.fixed;
    if (f) return { lut: f[0] === 0 ? "viridis" : "RdBu_r", lo: f[0], hi: f[1] };
    const m = maxAbs(d, 0, d.length);
    return { lut: "RdBu_r", lo: -m, hi: m };
  }

  function paint(img, d, from, n, sc) {
    root.lenetCanvas.paint(img, d, from, n, sc, LUT[sc.lut]);
  }

  function canvasTile(parent, w, h, label) {
    const fig = el("figure", { class: "tile" });
    fig.style.margin = "0";
    const cv = el("canvas", { width: w, height: h, role: "img", "aria-label": label });
    fig.appendChild(cv);
    parent.appendChild(fig);
    return { ctx: cv.getContext("2d"), img: new ImageData(w, h), cv: cv };
  }

  // ------------------------------------------------------------------ one run's column

  const CONV1 = SPEC.layers.find(function (l) { return l.name === "conv1"; });

  function buildRun(name) {
    const r = RUNS[name];
    const col = el("section", { class: "run", "aria-label": "run " + name });
    col.appendChild(el("h3", {}, name));
    col.appendChild(el("p", { class: "caption" }, r.about + " — " + r.recipe));
    const acc = el("p", { class: "acc", "aria-live": "polite" });
    col.appendChild(acc);
    const col_ = { name: name, acc: acc, views: [], probs: [], meter: [] };

    const pred = el("div", { class: "prediction" });
    pred.appendChild(el("h4", {}, "prediction on this digit"));
    col_.head = el("p", { class: "big" });
    pred.appendChild(col_.head);
    for (let k = 0; k < 10; k++) {
      const row = el("div", { class: "prob" });
      row.appendChild(el("span", {}, String(k)));
      const bar = el("div", { class: "bar", "aria-hidden": "true" }), fill = el("span");
      bar.appendChild(fill);
      row.appendChild(bar);
      const val = el("span");
      row.appendChild(val);
      pred.appendChild(row);
      col_.probs.push({ row: row, fill: fill, val: val });
    }
    col.appendChild(pred);

    const meter = el("div", { class: "meter" });
    meter.appendChild(el("h4", {}, "saturation (below " + LOW + " or above " + HIGH + ")"));
    const table = el("table"), head = el("tr");
    for (const h of ["layer", "this digit", "held-out, that epoch"]) head.appendChild(el("th", { scope: "col" }, h));
    table.appendChild(head);
    for (const layer of SPEC.layers) {
      if (layer.activation !== "sigmoid") continue;
      const tr = el("tr"), mine = el("td", { class: "num" }), then = el("td", { class: "num" });
      tr.appendChild(el("td", {}, layer.name));
      tr.appendChild(mine);
      tr.appendChild(then);
      table.appendChild(tr);
      col_.meter.push({ layer: layer, mine: mine, then: then });
    }
    meter.appendChild(table);
    col.appendChild(meter);

    const kern = el("section", { class: "view kernels", "aria-label": name + " conv1 kernels" });
    kern.appendChild(el("h4", {}, "conv1 kernels (5×5 weights, symmetric colour scale)"));
    const kt = el("div", { class: "tiles" });
    col_.kernels = [];
    for (let c = 0; c < CONV1.params.weight.shape[0]; c++) col_.kernels.push(canvasTile(kt, 5, 5, name + " conv1 kernel " + c));
    kern.appendChild(kt);
    col_.kernelCaption = el("p", { class: "caption" });
    kern.appendChild(col_.kernelCaption);
    col.appendChild(kern);

    for (const layer of SPEC.layers) {
      const shape = layer.shape, isMap = shape.length === 3 && shape[1] > 1;
      const sec = el("section", { class: "view", "aria-label": name + " " + layer.name });
      sec.appendChild(el("h4", {}, layer.name + " — " + layer.describe));
      const view = { layer: layer, isMap: isMap, shape: shape, canvases: [] };
      if (isMap) {
        const tiles = el("div", { class: "tiles" });
        for (let c = 0; c < shape[0]; c++) view.canvases.push(canvasTile(tiles, shape[2], shape[1], name + " " + layer.name + " channel " + c));
        sec.appendChild(tiles);
      } else {
        const n = shape.reduce(function (a, b) { return a * b; }, 1);
        const cv = el("canvas", { class: "strip", width: n, height: 1, role: "img", "aria-label": name + " " + layer.name + ": " + n + " units" });
        sec.appendChild(cv);
        view.canvases.push({ ctx: cv.getContext("2d"), img: new ImageData(n, 1), cv: cv });
      }
      col.appendChild(sec);
      col_.views.push(view);
    }
    return { col: col, state: col_ };
  }

  function drawRun(s, epoch, px) {
    const r = RUNS[s.name], k = cks.at(r.epochList, epoch), c = r.checkpoints[k];
    const w = weights(c.id);
    let note = "";
    if (c.epoch !== epoch) note = epoch > r.epochs ? " (the run ended at epoch " + r.epochs + ")" : " (its checkpoint at or before epoch " + epoch + ")";
    s.acc.textContent = c.id + note + ": held-out accuracy then " + (100 * c.accuracy).toFixed(1) + " %";
    // kernels
    const kw = w.subarray(CONV1.params.weight.offset, CONV1.params.weight.offset + nn.size(CONV1.params.weight.shape));
    const m = maxAbs(kw, 0, kw.length);
    s.kernels.forEach(function (t, i) { paint(t.img, kw, 25 * i, 25, { lut: "RdBu_r", lo: -m, hi: m }); t.ctx.putImageData(t.img, 0, 0); });
    s.kernelCaption.textContent = "colour scale ±" + m.toPrecision(3);
    for (const row of s.meter) row.then.textContent = (100 * c.saturated[row.layer.name]).toFixed(1) + " %";
    if (!px) {
      s.head.textContent = "no digit";
      for (const row of s.meter) row.mine.textContent = "—";
      return null;
    }
    const out = nn.forward(SPEC, w, px);
    for (const v of s.views) {
      const d = out[v.layer.name], sc = scaleOf(v.layer, d);
      const per = v.isMap ? v.shape[1] * v.shape[2] : d.length;
      v.canvases.forEach(function (t, ch) { paint(t.img, d, ch * per, per, sc); t.ctx.putImageData(t.img, 0, 0); });
    }
    const p = out.probabilities;
    let best = 0;
    for (let i = 1; i < 10; i++) if (p[i] > p[best]) best = i;
    s.head.textContent = "reads " + best + " (p = " + p[best].toFixed(3) + ")";
    s.probs.forEach(function (row, i) {
      row.fill.style.width = (100 * p[i]).toFixed(1) + "%";
      row.val.textContent = p[i].toFixed(3);
      row.row.classList.toggle("top", i === best);
    });
    for (const row of s.meter) {
      const d = out[row.layer.name];
      let sat = 0;
      for (let i = 0; i < d.length; i++) if (d[i] < LOW || d[i] > HIGH) sat++;
      row.mine.textContent = (100 * sat / d.length).toFixed(1) + " %";
    }
    return best;
  }

  // ------------------------------------------------------------------ page state

  const dom = {
    pad: document.getElementById("pad"), input: document.getElementById("input"), status: document.getElementById("status"),
    digits: document.getElementById("digits"), pair: document.getElementById("pair"), play: document.getElementById("play"),
    slider: document.getElementById("epoch"), out: document.getElementById("epoch-out"), ticks: document.getElementById("ticks"),
    marks: document.getElementById("marks"), runs: document.getElementById("runs"),
  };
  const state = { pair: 0, steps: [], step: 0, cols: [], pixels: null, labels: [], timer: null };

  function buildPair() {
    const pair = DATA.pairs[state.pair], names = [pair.left, pair.right];
    state.steps = cks.steps(names.map(function (n) { return RUNS[n].epochList; }));
    dom.slider.max = String(state.steps.length - 1);
    state.step = Math.min(state.step, state.steps.length - 1);
    dom.slider.value = String(state.step);
    dom.runs.replaceChildren();
    state.cols = names.map(function (n) { const b = buildRun(n); dom.runs.appendChild(b.col); return b.state; });
    dom.ticks.replaceChildren();
    dom.marks.replaceChildren();
    for (const n of names) {
      const r = RUNS[n], row = el("div", { class: "tickrow" });
      row.appendChild(el("span", { class: "tickname" }, n));
      const track = el("div", { class: "track" });
      row.appendChild(track);
      dom.ticks.appendChild(row);
      dom.marks.appendChild(el("h3", {}, "marks of " + n + " (from its records)"));
      if (!r.marks.length) dom.marks.appendChild(el("p", {}, "none: no plateau end and no layer above 50 % saturated in " + r.epochs + " epochs"));
      const ul = el("ul");
      for (const mk of r.marks) {
        const tick = el("span", { class: mk.kind, title: n + ": " + mk.text });
        tick.style.left = (100 * cks.position(state.steps, mk.epoch)).toFixed(2) + "%";
        track.appendChild(tick);
        const li = el("li"), b = el("button", { type: "button" });
        b.appendChild(el("span", { class: "swatch " + mk.kind, "aria-hidden": "true" }));
        b.appendChild(document.createTextNode("epoch " + mk.epoch + ": " + mk.text));
        b.addEventListener("click", function () { setStep(cks.stepFor(state.steps, mk.epoch)); });
        li.appendChild(b);
        ul.appendChild(li);
      }
      dom.marks.appendChild(ul);
    }
  }

  function drawInput(px) {
    root.lenetCanvas.drawDigit(dom.input, px, LUT.gray);
  }

  // Redraw both runs at the current step (the pixels are kept from the last pad change).
  function redraw() {
    const epoch = state.steps[state.step];
    dom.out.textContent = String(epoch);
    dom.slider.setAttribute("aria-valuetext", "epoch " + epoch);
    state.labels = state.cols.map(function (s) { return drawRun(s, epoch, state.pixels); });
    return state.labels;
  }

  function setStep(i) {
    state.step = Math.max(0, Math.min(state.steps.length - 1, i));
    dom.slider.value = String(state.step);
    return redraw();
  }

  function update() {
    const px = pad.pixels(pp.preprocess);
    state.pixels = px;
    dom.status.textContent = px ? "" : pad.isEmpty() ? "The pad is empty: draw a digit." : "No ink found: draw darker or larger.";
    drawInput(px);
    redraw();
  }

  function play(on) {
    if (state.timer) { clearInterval(state.timer); state.timer = null; }
    if (on) {
      if (state.step >= state.steps.length - 1) setStep(0);
      state.timer = setInterval(function () {
        if (state.step >= state.steps.length - 1) { play(false); return; }
        setStep(state.step + 1);
      }, 700);
    }
    dom.play.textContent = on ? "Pause" : "Play";
    dom.play.setAttribute("aria-pressed", on ? "true" : "false");
  }

  // ------------------------------------------------------------------ controls

  const pad = new root.LenetPad(dom.pad, update);
  document.getElementById("clear").addEventListener("click", function () { pad.clear(); update(); });
  document.getElementById("undo").addEventListener("click", function () { pad.undo(); update(); });
  DATA.pairs.forEach(function (p, i) { dom.pair.appendChild(el("option", { value: String(i) }, p.label)); });
  dom.pair.addEventListener("change", function () { state.pair = Number(dom.pair.value); buildPair(); redraw(); });
  dom.slider.addEventListener("input", function () { play(false); setStep(Number(dom.slider.value)); });
  dom.play.addEventListener("click", function () { play(!state.timer); });
  const loads = DATA.digits.map(function (d, k) {
    const raw = bytes(d.pixels), px = new Float32Array(784);
    for (let j = 0; j < 784; j++) px[j] = raw[j] / 255;
    const b = el("button", { type: "button", class: "load", "data-index": String(k),
      "aria-label": "Load " + d.label + " (" + d.id + ")", title: d.id }, String(d.label));
    b.addEventListener("click", function () { pad.load(px); update(); });
    dom.digits.appendChild(b);
    return px;
  });

  root.lenetViz = {
    models: function () { return Object.keys(CHECKPOINTS); },
    forward: forward,
    preprocess: pp.preprocess,
    setStep: setStep,
    steps: function () { return state.steps.slice(); },
    state: function () {
      return { pair: state.pair, step: state.step, epoch: state.steps[state.step], labels: state.labels.slice(),
        runs: state.cols.map(function (s) { return s.name; }) };
    },
  };

  buildPair();
  if (loads.length) pad.load(loads[0]);
  update();
})(typeof globalThis !== "undefined" ? globalThis : this);
