"""The public API cannot be shadowed: every exported name imports as itself, in any order."""

import json
import pkgutil
import subprocess
import sys

import lenet_viz


def test_no_submodule_shares_a_name_with_an_export():
    submodules = {m.name for m in pkgutil.iter_modules(lenet_viz.__path__)}
    assert not submodules & set(lenet_viz.__all__)


def test_no_package_shadows_its_own_submodules():
    import importlib

    for pkg in ("lenet_viz.analyses", "lenet_viz.render", "lenet_viz.site", "lenet_viz.site.pages",
                "lenet_viz.commands"):
        module = importlib.import_module(pkg)
        for sub in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{pkg}.{sub.name}")
            assert type(getattr(module, sub.name)).__name__ == "module", f"{pkg}.{sub.name} is shadowed"


def _names_after(order: list) -> dict:
    """In a fresh interpreter: import the submodules in ``order``, then every export by name."""
    code = (
        "import importlib, json, sys\n"
        "for m in sys.argv[2:]: importlib.import_module(m)\n"
        "import lenet_viz\n"
        "out = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    obj = getattr(__import__('lenet_viz', fromlist=[name]), name)\n"
        "    out[name] = type(obj).__name__\n"
        "print(json.dumps(out))\n")
    names = [n for n in lenet_viz.__all__ if n != "__version__"]
    r = subprocess.run([sys.executable, "-c", code, json.dumps(names), *order], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def test_every_export_is_itself_in_any_import_order():
    modules = sorted({v for v in lenet_viz._EXPORTS.values()})
    for order in ([], modules, modules[::-1]):
        kinds = _names_after(order)
        assert "module" not in kinds.values(), (order, kinds)
        assert kinds["trace"] == "function" and kinds["Trace"] == "type", kinds
