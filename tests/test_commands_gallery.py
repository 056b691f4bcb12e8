"""``lenet-viz gallery``'s progress: the pages written so far and the time left, from the page costs
the previous build of the folder measured (without one: the digit pages' pace, then the page being built)."""

import re


def test_duration_reads_as_seconds_then_minutes():
    from lenet_viz.commands.gallery import duration

    assert [duration(s) for s in (0, 7.2, 59.4, 60, 125, -3)] == \
        ["0 s", "7 s", "59 s", "1 min 00 s", "2 min 05 s", "0 s"]


def test_progress_info_says_where_its_estimate_comes_from():
    from lenet_viz.commands.gallery import progress_info
    from lenet_viz.site.gallery import Outlook

    timed = Outlook(left=25.4, digit_left=None, after_digits=12, building="Saturation")
    assert progress_info(11, 23, timed) == \
        "11/23 pages · about 25 s left (page costs timed by the last build)"
    first = Outlook(left=None, digit_left=3.2, after_digits=12, building="Digits")
    assert progress_info(5, 23, first) == \
        "5/23 pages · digit pages: about 3 s left, then 12 slower pages (no earlier build to time them)"
    later = Outlook(left=None, digit_left=None, after_digits=12, building="Saturation")
    assert progress_info(12, 23, later) == "12/23 pages · building Saturation"
    assert progress_info(23, 23, timed) == "23/23 pages"  # done: nothing left


def test_pace_weighs_each_page_by_its_cost_in_the_last_build():
    from lenet_viz.site.gallery import Pace

    now = [0.0]
    plan = [("digit-*.html", "Digits")] * 4 + [("saturation.html", "Saturation"), ("index.html", "Overview")]
    timed = Pace(plan, {"digit-*.html": 0.025, "saturation.html": 5.0, "index.html": 1.0}, 4, lambda: now[0])
    assert timed.outlook(0).left == 6.1 and timed.outlook(0).building == "Digits"
    now[0] = 0.5  # four digit pages, slowed by one-off costs: all of the heavy pages are still to come
    assert abs(timed.outlook(4).left - 6.0) < 1e-9 and timed.outlook(4).building == "Saturation"
    assert abs(timed.outlook(5).left - 1.0) < 1e-9
    now[0] = 0.0
    first = Pace(plan, {"digit-*.html": 0.025}, 4, lambda: now[0])  # the last build lacks a page
    now[0] = 0.1
    o = first.outlook(1)
    assert o.left is None and abs(o.digit_left - 0.3) < 1e-9 and o.after_digits == 2
    assert first.outlook(4).digit_left is None and first.outlook(4).building == "Saturation"


def test_previous_timings_ignores_a_missing_or_broken_file(tmp_path):
    from lenet_viz.site.gallery import TIMINGS, previous_timings

    assert previous_timings(tmp_path) == {}
    (tmp_path / TIMINGS).write_text("{not json")
    assert previous_timings(tmp_path) == {}
    (tmp_path / TIMINGS).write_text('{"index.html": "slow"}')
    assert previous_timings(tmp_path) == {}
    (tmp_path / TIMINGS).write_text('{"index.html": 0.5}')
    assert previous_timings(tmp_path) == {"index.html": 0.5}


def test_gallery_bar_estimates_from_the_last_build(tmp_path, monkeypatch):
    """On a terminal (click draws its bar only there) the bar counts the pages up to all of them; the
    first build times the digit pages only and names the page being built, the next one uses the
    costs the first measured."""
    import json

    import click._termui_impl
    from click.testing import CliRunner

    from lenet_viz import site
    from lenet_viz.cli import cli
    from lenet_viz.site.gallery import TIMINGS
    from lenet_viz.site.pages import browse, digits, index

    monkeypatch.setattr(click._termui_impl, "isatty", lambda stream: True)
    monkeypatch.setattr(site.pages, "pages_for", lambda data: (digits.PAGE, browse.PAGE, index.PAGE))
    out = tmp_path / "g"
    r = CliRunner().invoke(cli, ["gallery", "--digits", "3", "-o", str(out)])
    assert r.exit_code == 0, r.output
    shown = re.findall(r"(\d+)/5 pages(?: · (digit pages: about \d+ s left|building \w+))?", r.stderr)
    done = [int(p) for p, _ in shown]  # 3 digits, browse, index
    assert done == sorted(done) and set(done) == {1, 2, 3, 4, 5} and done[-1] == 5
    assert any(i.startswith("digit pages: about") for _, i in shown)
    assert ("3", "building Browse") in shown and ("4", "building Overview") in shown
    assert "timed by the last build" not in r.stderr
    timings = json.loads((out / TIMINGS).read_text())
    assert set(timings) == {"digit-*.html", "browse.html", "index.html"}
    assert all(v > 0 for v in timings.values())
    assert "gallery: 3 digits" in r.stdout
    assert sorted(p.name for p in out.glob("*.html")) == \
        ["browse.html", "digit-test-0000.html", "digit-test-0001.html", "digit-test-0002.html", "index.html"]

    again = CliRunner().invoke(cli, ["gallery", "--digits", "3", "-o", str(out)])
    assert again.exit_code == 0, again.output
    left = re.findall(r"(\d+)/5 pages · about (\d+) s left \(page costs timed by the last build\)",
                      again.stderr)
    assert {int(p) for p, _ in left} >= {1, 2, 3, 4}
    assert "digit pages:" not in again.stderr


def test_quiet_gallery_draws_no_bar(tmp_path, monkeypatch):
    import click._termui_impl
    from click.testing import CliRunner

    from lenet_viz import site
    from lenet_viz.cli import cli
    from lenet_viz.site.pages import digits, index

    monkeypatch.setattr(click._termui_impl, "isatty", lambda stream: True)
    monkeypatch.setattr(site.pages, "pages_for", lambda data: (digits.PAGE, index.PAGE))
    r = CliRunner().invoke(cli, ["gallery", "--digits", "2", "-q", "-o", str(tmp_path / "g")])
    assert r.exit_code == 0, r.output
    assert "pages" not in r.stderr
