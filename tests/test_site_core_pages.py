"""The gallery's core pages show what a user would measure: each digit page section holds its own
layer's figures, the index states the accuracy re-measured for this build (not the model card's),
the saturation table states ``dataset_stats``' totals (both tails).

One small gallery: the shipped lenet5 on a data folder of 40 held-out 3s and 7s (two digit pages),
its card claiming an accuracy no build would measure.
"""

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import write_idx_folder


class _Sections(HTMLParser):
    """``{section id: [img src, …]}`` and every table's rows as text."""

    def __init__(self):
        super().__init__()
        self.sections, self.kernels, self.rows = {}, {}, []
        self._sid, self._cell = None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._sid = a.get("id")
            self.sections[self._sid], self.kernels[self._sid] = [], []
        elif tag == "img" and self._sid is not None:
            (self.kernels if a.get("class") == "kernel" else self.sections)[self._sid].append(a["src"])
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "section":
            self._sid = None
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _parse(path):
    p = _Sections()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def folder(tmp_path_factory, data):
    test = np.concatenate([np.flatnonzero(data.test.y == c)[:20] for c in (3, 7)])
    return write_idx_folder(tmp_path_factory.mktemp("sevens") / "sevens",
                            (data.train.x[:10], data.train.y[:10]), (data.test.x[test], data.test.y[test]))


@pytest.fixture(scope="module")
def gallery(tmp_path_factory, folder):
    from lenet_viz.data import idx_folder
    from lenet_viz.model import load_model
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import CORE

    shipped = load_model("lenet5")
    model = replace(shipped, card={**shipped.card, "test_accuracy": 0.5})  # what no build measures here
    out = tmp_path_factory.mktemp("core") / "gallery"
    result = build_gallery(out, model, idx_folder(folder), [], pages=CORE)
    return out, result, model


def _pixels(src):
    """The RGB pixels of a tile, shown inline as a ``data:`` PNG."""
    import base64
    import io

    from PIL import Image

    head, _, data = src.partition(",")
    assert head == "data:image/png;base64"
    with Image.open(io.BytesIO(base64.b64decode(data))) as im:
        assert im.mode == "RGB"
        return np.asarray(im)


def test_digit_sections_show_their_own_layers_figures(gallery):
    """Each layer's section holds one tile per channel whose pixels are the captured array through
    matplotlib's colour map on the stated scale (fixed 0–1 for sigmoid outputs, ±max|z| for z)."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    from lenet_viz.capture import trace
    from lenet_viz.render.keys import figure_keys

    out, result, model = gallery
    assert len(result.digits) == 2
    t = trace(model, np.stack([d.x for d in result.digits]))
    html_bars = re.compile(r'data-cmap="([^"]+)" data-vmin="([^"]+)" data-vmax="([^"]+)"')
    for i, d in enumerate(result.digits):
        one = t.select(i)
        page = out / f"digit-{d.slug}.html"
        shown = _parse(page).sections
        expected_ids = {k.partition(".")[0] for k in figure_keys(one)} | {"saturation"}
        assert set(shown) == expected_ids, d.slug
        bars = html_bars.findall(page.read_text(encoding="utf-8"))
        for name in ("conv1", "pool1", "conv2", "pool2"):
            tiles = [src for src in shown[name] if "/colorbar-" not in src]
            pre = one[name].pre
            arrays = [(one[name].output[0], 0.0, 1.0)]
            if pre is not None:
                m = float(np.abs(pre[0]).max())
                arrays.append((pre[0], -m, m))
            assert len(tiles) == sum(len(a) for a, _, _ in arrays), f"{d.slug}: {name}"
            k = 0
            for arr, lo, hi in arrays:
                cmap = "viridis" if lo == 0 else "RdBu_r"
                for c in range(arr.shape[0]):
                    want = colormaps[cmap](Normalize(lo, hi)(arr[c].astype(np.float64)), bytes=True)[..., :3]
                    got = _pixels(tiles[k])
                    assert got.shape == want.shape and np.array_equal(got, want), f"{d.slug}: {name} #{k}"
                    k += 1
            assert (cmap if pre is None else "viridis", "0.0", "1.0") in bars  # the stated fixed scale
        for name in ("dense1", "dense2", "prediction", "saturation"):
            assert name in shown
        assert ("RdBu_r", str(-float(np.abs(one["conv1"].pre[0]).max())),
                str(float(np.abs(one["conv1"].pre[0]).max()))) in bars


def test_each_conv_map_has_its_kernel_beside_it_the_same_on_every_page(gallery):
    from lenet_viz.capture import trace
    from lenet_viz.render.panels import kernel_tiles

    out, result, model = gallery
    t = trace(model, result.digits[0].x[None])
    pages = [_parse(out / f"digit-{d.slug}.html").kernels for d in result.digits]
    for name in ("conv1", "conv2"):
        tiles, scale = kernel_tiles(t, name)
        assert [len(p[name]) for p in pages] == [t[name].output.shape[1]] * len(pages)
        assert pages[0][name] == pages[1][name]  # one set of kernels, whatever the digit
        for src, tile in zip(pages[0][name], tiles):
            assert np.array_equal(_pixels(src), tile.rgb)
        html = (out / f"digit-{result.digits[0].slug}.html").read_text(encoding="utf-8")
        assert f'data-cmap="RdBu_r" data-vmin="{scale.vmin}" data-vmax="{scale.vmax}"' in html
    assert all(p[n] == [] for p in pages for n in ("pool1", "pool2", "dense1"))


def test_kernels_are_made_once_per_gallery(tmp_path, folder, monkeypatch):
    import lenet_viz.render.panels as panels
    from lenet_viz.data import idx_folder
    from lenet_viz.model import load_model
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import digits

    calls = []
    real = panels.kernel_tiles
    monkeypatch.setattr(panels, "kernel_tiles", lambda t, name: calls.append(name) or real(t, name))
    result = build_gallery(tmp_path / "g", load_model("lenet5"), idx_folder(folder), [], pages=(digits.PAGE,),
                           count=4)
    assert len(result.digits) >= 4 and sorted(calls) == ["conv1", "conv2"]


def test_index_states_a_fresh_evaluate(gallery, folder):
    from lenet_viz.cli import cli

    out, result, model = gallery
    r = CliRunner().invoke(cli, ["evaluate", "--dataset", str(folder), "--json", "-q"])
    assert r.exit_code == 0, r.output
    fresh = json.loads(r.stdout)["accuracy"]
    assert abs(fresh - model.card["test_accuracy"]) > 0.01  # the card's figure would be told apart
    html = (out / "index.html").read_text(encoding="utf-8")
    stated = re.search(r"<th>held-out accuracy</th><td><strong>([\d.]+) %</strong>", html)
    assert stated and stated.group(1) == f"{fresh * 100:.2f}"


def test_saturation_table_states_dataset_totals(gallery, folder):
    from lenet_viz.data import idx_folder
    from lenet_viz.fmt import num, pct
    from lenet_viz.stats import dataset_stats

    out, _, model = gallery
    stats = dataset_stats(model, idx_folder(folder).test.x)
    rows = _parse(out / "saturation.html").rows
    assert rows[0][:4] == ["layer", "activation", "units counted", "saturated"]
    table = {row[0]: row for row in rows[1:]}
    assert set(table) == set(stats.names)
    for s in stats:
        assert table[s.name][2:5] == [f"{s.n:,}", pct(s.saturated_fraction), num(s.mean_dsigmoid, 4)]
    # a layer with both tails: the low or the high tail alone would print another number
    assert any(pct(s.saturated_low) != pct(s.saturated_fraction) != pct(s.saturated_high) for s in stats)


@pytest.mark.parametrize("count", [25, 10**9])
def test_a_page_for_the_first_n_or_every_held_out_digit_and_every_link_resolves(tmp_path, folder, count):
    from urllib.parse import urlsplit

    from lenet_viz.data import idx_folder
    from lenet_viz.model import load_model
    from lenet_viz.site import build_gallery
    from lenet_viz.site.pages import digits, index

    data = idx_folder(folder)
    out = tmp_path / "g"
    result = build_gallery(out, load_model("lenet5"), data, [], pages=(digits.PAGE, index.PAGE), count=count)
    n = min(count, len(data.test.y))
    assert [d.slug for d in result.digits] == [f"test-{i:04d}" for i in range(n)]
    assert [d.truth for d in result.digits] == data.test.y[:n].tolist()
    pages = sorted(out.glob("digit-*.html"))
    assert len(pages) == n
    index_html = (out / "index.html").read_text(encoding="utf-8")
    refs = re.compile(r'(?:src|href)="([^"#]+)')
    assert {f"digit-test-{i:04d}.html" for i in range(n)} <= set(refs.findall(index_html))
    for page in [out / "index.html", *pages]:
        for ref in refs.findall(page.read_text(encoding="utf-8")):
            if urlsplit(ref).scheme != "data":
                assert (out / ref).is_file(), f"{page.name}: {ref}"


def test_analysis_pages_feature_the_first_of_each_class_and_the_users_images():
    from lenet_viz.site.context import Digit, PageContext

    x = np.zeros((1, 28, 28), np.float32)
    digits = [Digit(f"d{i}", f"d{i}", x, None, t) for i, t in enumerate([3, 7, 3, 1, 7])]
    digits.append(Digit("mine", "mine.png", x, None, None))
    ctx = PageContext(None, None, None, None, digits, [])
    assert [d.slug for d in ctx.featured] == ["d0", "d1", "d3", "mine"]


def test_index_shows_the_shape_walk(gallery):
    from lenet_viz.capture import trace

    out, result, model = gallery
    t = trace(model, result.digits[0].x[None])
    rows = {r[0]: r for r in _parse(out / "index.html").rows if r and len(r) == 6}
    for r in t.rows():
        assert rows[r["name"]][2:] == ["×".join(map(str, r["output_shape"])), f"{r['params']:,}",
                                      f"{r['macs']:,}", str(r["receptive_field"])], r["name"]
    assert rows["total"][3:5] == [f"{t.total_params:,}", f"{t.total_macs:,}"]


def test_digit_pages_link_previous_and_next(gallery):
    out, result, _ = gallery
    pages = [out / f"digit-{d.slug}.html" for d in result.digits]
    for i, page in enumerate(pages):
        links = dict(re.findall(r'<a rel="(prev|next)" href="([^"]+)"', page.read_text(encoding="utf-8")))
        assert links.get("prev") == (pages[i - 1].name if i else None), page.name
        assert links.get("next") == (pages[i + 1].name if i + 1 < len(pages) else None), page.name


def test_held_out_digits_add_one_the_net_misreads(data):
    from lenet_viz.site.gallery import held_out_digits

    predicted = data.test.y.copy()
    assert len(held_out_digits(data, predicted)) == 10  # nothing misread: nothing added
    first = [int(np.flatnonzero(data.test.y == c)[0]) for c in range(10)]
    wrong = next(i for i in range(len(predicted)) if i not in first)
    predicted[first[3]] = 5  # a class's first digit misread is already shown: not added twice
    predicted[wrong] = (data.test.y[wrong] + 1) % 10
    digits = held_out_digits(data, predicted)
    assert len(digits) == 11 and digits[-1].slug == f"test-{wrong:04d}"
    assert digits[-1].name.endswith("misread") and digits[-1].truth == data.test.y[wrong]
