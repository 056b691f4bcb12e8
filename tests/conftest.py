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
