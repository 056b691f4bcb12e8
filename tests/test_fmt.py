"""Number formatting: what every table, page and terminal line prints."""

import math

from lenet_viz.fmt import MISSING, and_list, num, pct, rounded, sci


def test_pct():
    assert pct(0.174) == "17.4 %" and pct(0.53812, 2) == "53.81 %" and pct(1.0, 0) == "100 %"
    assert pct(0.174, 1, "-", "") == "17.4%"
    assert pct(None) == pct(math.nan) == MISSING == "—" and pct(None, 1, "-", "") == "-"
    assert pct(0.0) == "0.0 %"  # zero is a value, not a missing one


def test_num_and_sci():
    assert num(0.07734) == "0.077" and num(0.07734, 4) == "0.0773" and num(2, 1) == "2.0"
    assert num(None) == num(math.nan) == "—" and num(math.nan, 4, "-") == "-"
    assert num(0.0) == "0.000"
    assert sci(0.000123) == "1.2e-04" and sci(None) == sci(math.nan) == "—" and sci(math.nan, "-") == "-"


def test_and_list():
    assert and_list(["a"]) == "a" and and_list(["a", "b"]) == "a and b"
    assert and_list(["a", "b", "c"]) == "a, b and c"


def test_rounded():
    assert rounded(None) is None and rounded(math.nan) is None
    assert rounded(0.12345678) == 0.123457 and rounded(0.12345678, 2) == 0.12 and rounded(3) == 3.0
    assert isinstance(rounded(3), float)
