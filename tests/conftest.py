"""Shared fixtures: Agg backend, small seeded nets, the --update-golden option."""

import os
import shutil

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "test-artifacts")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files (tests/golden/) from the current output")


@pytest.fixture
def update_golden(request):
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def artifacts():
    """Folder for files a person may want to look at after the run (git-ignored)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def seeded_net():
    """A tiny seeded LeNet-5 (random Xavier weights), built once per session."""
    from lenet_viz._mx import seed_all
    from lenet_viz.model import Model, build_net

    seed_all(0)
    return Model(net=build_net("lenet5"), variant="lenet5", source="seeded-lenet5")


@pytest.fixture(scope="session")
def seeded_modern():
    from lenet_viz._mx import seed_all
    from lenet_viz.model import Model, build_net

    seed_all(0)
    return Model(net=build_net("modern"), variant="modern", source="seeded-modern")


@pytest.fixture(scope="session")
def digits():
    """Ten held-out MNIST digits, one per class, (10,1,28,28) float32."""
    import numpy as np

    from lenet_viz.data import mnist5k

    d = mnist5k()
    idx = [int(np.flatnonzero(d.test.y == c)[0]) for c in range(10)]
    return d.test.x[idx], d.test.y[idx]


@pytest.fixture
def no_open_figures():
    """Renderers never touch pyplot: a figure left in its registry would be a leak."""
    import matplotlib.pyplot as plt

    yield
    assert plt.get_fignums() == []


@pytest.fixture(scope="session")
def data():
    from lenet_viz.data import mnist5k

    return mnist5k()


@pytest.fixture(scope="session")
def small(data):
    """40 held-out digits (ragged batches of 7 in the streamed analyses)."""
    return data.test.x[:40], data.test.y[:40]


@pytest.fixture(scope="session")
def trained():
    """The shipped lenet5: a random net's output hardly depends on its input, a trained one's does."""
    from lenet_viz.model import load_model

    return load_model("lenet5")


@pytest.fixture(scope="session")
def half_blank(small):
    """A real digit with its lower half erased: rows 14–27 are exactly the background (0)."""
    x = small[0][3].copy()
    x[0, 14:] = 0.0
    return x


def write_idx_folder(folder, train, test):
    """Write the ``train``/``test`` ``(x, y)`` splits as the four MNIST-format IDX ``.gz`` files."""
    import gzip

    import numpy as np

    from lenet_viz.data import IDX_FILES

    folder.mkdir(parents=True, exist_ok=True)
    for which, (x, y) in (("train", train), ("test", test)):
        img_name, lbl_name = IDX_FILES[which]
        n = len(y)
        pixels = (np.asarray(x).reshape(n, 28, 28) * 255).round().astype(np.uint8)
        with gzip.open(folder / img_name, "wb") as f:
            f.write((2051).to_bytes(4, "big") + n.to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
                    + pixels.tobytes())
        with gzip.open(folder / lbl_name, "wb") as f:
            f.write((2049).to_bytes(4, "big") + n.to_bytes(4, "big") + np.asarray(y, np.uint8).tobytes())
    return folder


@pytest.fixture(scope="session")
def digit_folder(tmp_path_factory, data):
    """A small data folder: 60 real held-out digits (6 per class) and 20 training digits as IDX files."""
    import numpy as np

    idx = np.concatenate([np.flatnonzero(data.test.y == c)[:6] for c in range(10)])
    return write_idx_folder(tmp_path_factory.mktemp("digits") / "digits",
                            (data.train.x[:20], data.train.y[:20]), (data.test.x[idx], data.test.y[idx]))


CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,900"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's headless Chromium through Selenium (the real browser of the end-to-end tests)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # never let Selenium try to download a browser or driver
    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "Debian's chromium and chromium-driver are needed (scripts/setup.sh --test installs them)"
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for f in CHROMIUM_FLAGS:
        opts.add_argument(f)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def t5(seeded_net, digits):
    """The seeded LeNet-5's trace of three digits (test_histograms keeps its own, of more)."""
    from lenet_viz.capture import trace

    return trace(seeded_net, digits[0][:3])


@pytest.fixture(scope="session")
def tm(seeded_modern, digits):
    """The seeded modern net's trace of two digits."""
    from lenet_viz.capture import trace

    return trace(seeded_modern, digits[0][:2])


AXE = os.path.join(os.path.dirname(ARTIFACTS), ".web-test", "node_modules", "axe-core", "axe.min.js")


@pytest.fixture(scope="session")
def axe():
    """``axe(driver)``: the serious and critical axe-core violations of the page open in ``driver``."""
    assert os.path.isfile(AXE), f"{AXE} is missing: scripts/setup.sh --test installs axe-core with npm"
    with open(AXE, encoding="utf-8") as f:
        source = f.read()

    def run(driver):
        driver.execute_script(source)
        result = driver.execute_async_script(
            "const done = arguments[0];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
            "v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' '))}))),"
            " e => done(String(e)))")
        assert isinstance(result, list), result
        return [v for v in result if v["impact"] in ("serious", "critical")]

    return run
