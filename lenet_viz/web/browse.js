// The browse page: sort and filter the gallery's cards in the browser. The core (items, compare,
// view, summary) is pure and tested with node --test; the DOM part at the end reads each card's
// data- attributes, reorders the cards and hides the filtered ones (it builds no HTML from text).
(function (root, factory) {
  const api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.lenetBrowse = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  function num(text) {
    return text === undefined || text === null || text === "" ? null : Number(text);
  }

  // One card's data- attributes (strings) as an item: i (gallery order), truth (null: no true
  // label), pred, conf (probability of pred), sat (share of activation units saturated, or null).
  function item(data) {
    return { i: Number(data.i), truth: num(data.truth), pred: Number(data.pred), conf: Number(data.conf),
             sat: num(data.sat) };
  }

  function wrong(it) { return it.truth !== null && it.truth !== it.pred; }

  // Ascending, missing values last.
  function asc(a, b) {
    if (a === null || b === null) return (a === null) - (b === null);
    return a - b;
  }

  // A comparator for a sort key; ties keep the gallery's order.
  function compare(key) {
    const by = {
      order: function () { return 0; },
      truth: function (a, b) { return asc(a.truth, b.truth); },
      pred: function (a, b) { return a.pred - b.pred; },
      "conf-asc": function (a, b) { return a.conf - b.conf; },
      "conf-desc": function (a, b) { return b.conf - a.conf; },
      mistakes: function (a, b) { return wrong(b) - wrong(a); },
      "sat-desc": function (a, b) {
        return asc(a.sat === null ? null : -a.sat, b.sat === null ? null : -b.sat);
      },
    }[key];
    if (!by) throw new Error("unknown sort: " + key);
    return function (a, b) { return by(a, b) || a.i - b.i; };
  }

  // Whether an item passes the filters: truth ("" any, "none" no true label, or a class),
  // pred ("" or a class), mistakes (only misread items).
  function keep(it, f) {
    if (f.truth === "none" ? it.truth !== null : f.truth !== "" && it.truth !== Number(f.truth)) return false;
    if (f.pred !== "" && it.pred !== Number(f.pred)) return false;
    return !(f.mistakes && !wrong(it));
  }

  // The items shown for a state {sort, truth, pred, mistakes}, in order (a new array).
  function view(items, state) {
    return items.filter(function (it) { return keep(it, state); }).sort(compare(state.sort));
  }

  function count(n) { return n.toLocaleString("en-US"); }

  function summary(shown, total, noun) {
    return "Showing " + count(shown) + " of " + count(total) + " " + noun + (total === 1 ? "" : "s") + ".";
  }

  return { item: item, wrong: wrong, compare: compare, keep: keep, view: view, summary: summary };
});

(function () {
  "use strict";
  if (typeof document === "undefined") return;
  const B = globalThis.lenetBrowse;
  const grid = document.getElementById("browse-grid");
  const controls = document.getElementById("browse-controls");
  if (!grid || !controls) return;
  const noun = grid.getAttribute("data-noun") || "item";
  const cards = Array.from(grid.children);
  const items = cards.map(function (li) { return B.item(li.dataset); });
  const byIndex = new Map(items.map(function (it, k) { return [it.i, cards[k]]; }));
  const el = function (id) { return document.getElementById(id); };
  const sort = el("browse-sort"), truth = el("browse-truth"), pred = el("browse-pred");
  const mistakes = el("browse-mistakes"), status = el("browse-status");

  function apply() {
    const shown = B.view(items, { sort: sort.value, truth: truth.value, pred: pred.value,
                                  mistakes: mistakes.checked });
    const on = new Set(shown.map(function (it) { return it.i; }));
    const frag = document.createDocumentFragment();
    shown.forEach(function (it) { frag.appendChild(byIndex.get(it.i)); });
    items.forEach(function (it) {
      const li = byIndex.get(it.i);
      li.hidden = !on.has(it.i);
      if (li.hidden) frag.appendChild(li);
    });
    grid.appendChild(frag);
    status.textContent = B.summary(shown.length, items.length, noun);
  }

  [sort, truth, pred, mistakes].forEach(function (c) { c.addEventListener("change", apply); });
  window.addEventListener("pageshow", apply);  // back from a digit page: the controls may be restored
  controls.hidden = false;
  apply();
})();
