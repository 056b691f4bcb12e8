"""Where a misread digit lost its evidence: per layer, is it closer to its own class or to the one it
is finally read as?

For each layer, the mean activation of every class over the clean held-out digits is a class
"centroid". A digit's evidence margin at a layer is the cosine similarity of its activations to its
true class's centroid minus that to the wrongly predicted class's centroid. The layer where the
evidence went wrong is the one that widens the gap between the stressed digit's margin and its clean
original's the most.
Plain records out (numpy only); the stress set comes from :mod:`lenet_viz.stress`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FAILURE_DIGITS = 200  # held-out digits per transform searched for failures (a gallery build stays fast)


@dataclass
class Failure:
    """One stressed digit the model misreads while it reads the clean digit right."""

    transform: str
    index: int  # in the held-out split
    truth: int
    predicted: int
    confidence: float
    layers: list  # layer names, input first
    margin: list  # evidence margin of the stressed digit per layer
    clean_margin: list  # the same for the clean digit
    turn: str  # the layer where the evidence went wrong
    x: np.ndarray  # (1,28,28) the stressed input as the net saw it
    clean: np.ndarray  # (1,28,28) the clean input


def _flat(t: Any) -> dict:
    """``{"input": (N, F), layer: (N, F), ...}`` from a trace, in forward order."""
    out = {"input": np.asarray(t.input, np.float64).reshape(len(t.input), -1)}
    for rec in t:
        out[rec.name] = np.asarray(rec.output, np.float64).reshape(len(rec.output), -1)
    return out


def centroids(model: Any, x: np.ndarray, y: np.ndarray) -> dict:
    """Unit-length class means per layer over clean digits ``x`` with labels ``y``: layer → (10, F)."""
    from ..capture import trace

    cents = {}
    for name, a in _flat(trace(model, x)).items():
        # a class missing from the split (a small dataset) gets a zero mean: similarity 0 to anything
        m = np.stack([a[y == c].mean(axis=0) if (y == c).any() else np.zeros(a.shape[1]) for c in range(10)])
        cents[name] = m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    return cents


def margins(acts: dict, i: int, cents: dict, truth: int, wrong: int) -> list:
    """Per layer: cosine to ``truth``'s centroid minus cosine to ``wrong``'s, for digit ``i``."""
    out = []
    for name, a in acts.items():
        v = a[i] / max(float(np.linalg.norm(a[i])), 1e-12)
        sims = cents[name] @ v
        out.append(float(sims[truth] - sims[wrong]))
    return out


def turning_layer(layers: list, margin: list, clean_margin: list) -> str:
    """The hidden layer that moves the stressed digit's evidence furthest from the clean digit's.

    The gap ``clean_margin - margin`` is measured after every layer; the layer whose output widens it
    the most (compared with its input) is where the two digits part ways, i.e. where the stressed
    digit's evidence went wrong. Neither the input (not a layer) nor the read-out (the last layer,
    whose logits always spread the margins widest) is chosen: the question is where the representation
    parted.
    """
    gap = np.asarray(clean_margin, float) - np.asarray(margin, float)
    steps = np.diff(gap)[:-1] if len(gap) > 2 else np.diff(gap)
    return layers[1 + int(np.argmax(steps))]


def find_failures(model: Any, data: Any, n: int = 4, limit: int = FAILURE_DIGITS) -> list:
    """Up to ``n`` failures of ``model`` on the stress set, one per transform, worst transforms first.

    Among each transform's misread digits whose clean version is read right, the most confidently
    misread one not shown yet whose output-layer margin agrees with the prediction is taken (the class
    means can disagree with the net's read-out on a close call); deterministic.
    """
    from ..stress import make_stress_set

    sset = make_stress_set(data, limit=limit)
    cents = centroids(model, data.test.x, data.test.y)
    clean_p = model.predict_proba(sset.x["clean"])
    right = clean_p.argmax(1) == sset.y
    found = []
    scores = {}
    for name, x in sset.x.items():
        if name == "clean":
            continue
        p = model.predict_proba(x)
        scores[name] = (float((p.argmax(1) == sset.y).mean()), p)
    for name in sorted(scores, key=lambda k: (scores[k][0], k)):
        p = scores[name][1]
        pred = p.argmax(1)
        used = [f.index for f in found]
        cand = np.setdiff1d(np.flatnonzero((pred != sset.y) & right), used)
        if not len(cand):
            continue
        for i in cand[np.argsort(-p[cand, pred[cand]], kind="stable")]:
            f = _failure(model, sset, cents, name, int(i), int(pred[i]), float(p[i, pred[i]]))
            if f.margin[-1] < 0:  # the class means agree with the net at the output: a clear case
                found.append(f)
                break
        if len(found) == n:
            break
    return found


def _failure(model: Any, sset: Any, cents: dict, name: str, i: int, wrong: int, confidence: float) -> Failure:
    from ..capture import trace

    truth = int(sset.y[i])
    acts = _flat(trace(model, np.stack([sset.x[name][i], sset.x["clean"][i]])))
    layers = list(acts)
    m_s, m_c = margins(acts, 0, cents, truth, wrong), margins(acts, 1, cents, truth, wrong)
    return Failure(name, i, truth, wrong, confidence, layers, m_s, m_c, turning_layer(layers, m_s, m_c),
                   sset.x[name][i], sset.x["clean"][i])
