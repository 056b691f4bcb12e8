"""The static gallery: every link resolves inside it, names are escaped, builds are atomic."""

import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from lenet_viz.errors import LenetVizError

HOSTILE = '<b>&"x.png'
pytestmark = pytest.mark.slow


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids, self.scripts, self.dupes = [], set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.dupes.append(a["id"])
            self.ids.add(a["id"])
        for key in ("src", "href", "xlink:href"):
            if a.get(key) is not None:
                self.refs.append((tag, key, a[key]))
        if tag == "script":
            self.scripts.append(a)


def _parse(page: Path) -> _Links:
    p = _Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def _build(out, images=(), model="lenet5"):
    from lenet_viz.data import load_dataset
    from lenet_viz.images import load_digit_info
    from lenet_viz.model import load_model
    from lenet_viz.site import Digit, build_gallery

    m = load_model(model)
    user = []
    for p in images:
        info = load_digit_info(p)
        user.append(Digit("", Path(p).name, info.array[0], info.raw, None, info.notes))
    return build_gallery(Path(out), m, load_dataset("mnist-5k"), user)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    hostile = root / HOSTILE
    shutil.copy(Path(__file__).parent.parent / "examples" / "digit.png", hostile)
    result = _build(root / "gallery", [hostile])
    return root / "gallery", result


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pages_exist(gallery):
    out, result = gallery
    names = {p.name for p in out.glob("*.html")}
    assert {"index.html", "saturation.html", "kernels.html"} <= names
    assert len([n for n in names if n.startswith("digit-")]) == 12  # 10 held-out, 1 misread, the user's image
    assert result.accuracy >= 0.96


def test_browse_lead_names_a_single_misread_in_the_singular(gallery):
    out, result = gallery
    wrong = sum(d.truth is not None and d.truth != d.label for d in result.digits)
    text = (out / "browse.html").read_text(encoding="utf-8")
    assert wrong == 1 and "The one the net misreads is framed in red" in text


def test_every_link_resolves_inside_the_gallery(gallery):
    out, _ = gallery
    pages = sorted(out.glob("*.html"))
    ids = {p.name: _parse(p).ids for p in pages}
    checked = 0
    for page in pages:
        for tag, key, ref in _parse(page).refs:
            if tag in ("img", "image") and re.fullmatch(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}", ref):
                continue  # a digit page's tiles and pyramid are inline pixels: nothing to load
            parts = urlsplit(ref)
            assert not parts.scheme and not parts.netloc, f"{page.name}: external {ref}"
            assert not ref.startswith("/"), f"{page.name}: absolute {ref}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.name}: {tag} {key}={ref} does not resolve"
            assert out.resolve() in target.parents, f"{page.name}: {ref} escapes the gallery"
            if parts.fragment:
                assert parts.fragment in ids[target.name], f"{page.name}: missing #{parts.fragment}"
            checked += 1
    assert checked > 100


def test_diagram_nodes_link_to_layer_sections(gallery):
    out, _ = gallery
    index = (out / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a xlink:href="([^"#]+)#([^"]+)"', index)
    layers = {frag for _, frag in links}
    assert {"conv1", "pool1", "conv2", "pool2", "dense1", "dense2", "dense3"} <= layers
    for page, frag in links:
        assert frag in _parse(out / page).ids
        # the anchor must be the layer's section, not a diagram node sharing its id
        assert f'<section id="{frag}">' in (out / page).read_text(encoding="utf-8")


def test_ids_are_unique_on_every_page(gallery):
    out, _ = gallery
    for page in out.glob("*.html"):
        assert _parse(page).dupes == [], page.name


def test_no_external_loads_no_scripts_no_local_paths(gallery):
    out, _ = gallery
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert str(out.parent) not in text and "/tmp/" not in text
        stripped = re.sub(r'xmlns(:\w+)?="[^"]*"|<!DOCTYPE[^>]*>', "", text)
        assert "http://" not in stripped and "https://" not in stripped, page.name
        scripts = _parse(page).scripts
        if page.name in ("draw.html", "training.html", "browse.html"):  # the scripted pages: inline only
            # (their CSP: test_hardening, test_browse)
            assert scripts and all("src" not in a for a in scripts)
        else:
            assert not scripts, f"{page.name} runs a script"


def test_hostile_name_is_escaped_and_sanitised(gallery):
    out, _ = gallery
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;&amp;&#34;x.png" in index
    assert HOSTILE not in index
    for p in out.rglob("*"):
        assert "<" not in p.name and '"' not in p.name and "&" not in p.name


def test_interrupted_build_leaves_previous_gallery(tmp_path, monkeypatch, gallery):
    from lenet_viz.site.pages import digits as site

    src, _ = gallery
    out = tmp_path / "gallery"
    shutil.copytree(src, out)
    before = _snapshot(out)
    real, calls = site.render_digit, []

    def flaky(*a, **k):
        calls.append(1)
        if len(calls) > 5:  # half of the 10 digit pages
            raise RuntimeError("injected failure")
        return real(*a, **k)

    monkeypatch.setattr(site, "render_digit", flaky)
    with pytest.raises(RuntimeError, match="injected"):
        _build(out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gallery"]  # no temp folders left


def test_rebuild_gives_the_same_pages(tmp_path, gallery):
    src, _ = gallery
    _build(tmp_path / "again", [src.parent / HOSTILE])
    a, b = _snapshot(src), _snapshot(tmp_path / "again")
    assert a.keys() == b.keys()
    html = [k for k in a if k.endswith(".html")]
    assert all(a[k] == b[k] for k in html), [k for k in html if a[k] != b[k]]


def test_refuses_foreign_folder_and_file(tmp_path):
    from lenet_viz.site import check_output

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(LenetVizError, match="not made by lenet-viz"):
        check_output(tmp_path / "mine")
    (tmp_path / "f").write_text("x")
    with pytest.raises(LenetVizError, match="is a file"):
        check_output(tmp_path / "f")
    with pytest.raises(LenetVizError, match="does not exist"):
        check_output(tmp_path / "no" / "such" / "g")
