// Unit tests of the browse page's sort and filter core (browse.js).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const B = require("../../lenet_viz/web/browse.js");

// Gallery order 0..5: a misread 3 read as 5, a sure 1, a user's image (no true label), ...
const items = [
  { i: 0, truth: "3", pred: "5", conf: "0.61", sat: "0.40" },
  { i: 1, truth: "1", pred: "1", conf: "0.999", sat: "0.35" },
  { i: 2, truth: "", pred: "7", conf: "0.52", sat: "" },
  { i: 3, truth: "7", pred: "7", conf: "0.80", sat: "0.45" },
  { i: 4, truth: "1", pred: "7", conf: "0.90", sat: "0.35" },
  { i: 5, truth: "0", pred: "0", conf: "0.80", sat: "0.30" },
].map(B.item);
const all = { sort: "order", truth: "", pred: "", mistakes: false };
const order = (state) => B.view(items, { ...all, ...state }).map((it) => it.i);

test("item reads a card's data- attributes: numbers, and null where missing", () => {
  assert.deepEqual(items[2], { i: 2, truth: null, pred: 7, conf: 0.52, sat: null });
  assert.deepEqual(items[0], { i: 0, truth: 3, pred: 5, conf: 0.61, sat: 0.4 });
});

test("a mistake has a true label that is not the prediction; a user's image is never one", () => {
  assert.deepEqual(items.map(B.wrong), [true, false, false, false, true, false]);
});

test("every sort, ties in gallery order, missing values last", () => {
  assert.deepEqual(order({}), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(order({ sort: "truth" }), [5, 1, 4, 0, 3, 2]);
  assert.deepEqual(order({ sort: "pred" }), [5, 1, 0, 2, 3, 4]);
  assert.deepEqual(order({ sort: "conf-asc" }), [2, 0, 3, 5, 4, 1]);
  assert.deepEqual(order({ sort: "conf-desc" }), [1, 4, 3, 5, 0, 2]);
  assert.deepEqual(order({ sort: "mistakes" }), [0, 4, 1, 2, 3, 5]);
  assert.deepEqual(order({ sort: "sat-desc" }), [3, 0, 1, 4, 5, 2]);
});

test("filters by true label, the user's images, prediction and mistakes, and combine", () => {
  assert.deepEqual(order({ truth: "1" }), [1, 4]);
  assert.deepEqual(order({ truth: "0" }), [5]);
  assert.deepEqual(order({ truth: "none" }), [2]);
  assert.deepEqual(order({ pred: "7" }), [2, 3, 4]);
  assert.deepEqual(order({ mistakes: true }), [0, 4]);
  assert.deepEqual(order({ pred: "7", mistakes: true }), [4]);
  assert.deepEqual(order({ truth: "1", pred: "7", sort: "conf-asc" }), [4]);
  assert.deepEqual(order({ truth: "9" }), []);
});

test("view leaves the items as they were", () => {
  const before = items.map((it) => it.i);
  order({ sort: "conf-desc", mistakes: true });
  assert.deepEqual(items.map((it) => it.i), before);
});

test("an unknown sort is an error, not a silent order", () => {
  assert.throws(() => B.compare("label"), /unknown sort: label/);
});

test("summary counts with thousands separators and plurals", () => {
  assert.equal(B.summary(87, 1000, "digit"), "Showing 87 of 1,000 digits.");
  assert.equal(B.summary(1, 1, "image"), "Showing 1 of 1 image.");
});
