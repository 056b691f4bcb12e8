"""``lenet-viz gallery``'s progress: the pages written so far and the time left at the pace so far."""

import re


def test_duration_reads_as_seconds_then_minutes():
    from lenet_viz.commands.gallery import duration

    assert [duration(s) for s in (0, 7.2, 59.4, 60, 125, -3)] == \
        ["0 s", "7 s", "59 s", "1 min 00 s", "2 min 05 s", "0 s"]


def test_progress_info_extrapolates_the_pace_so_far():
    from lenet_viz.commands.gallery import progress_info

    assert progress_info(250, 1_000, 10.0) == "250/1,000 pages · about 30 s left"
    assert progress_info(0, 12, 0.5) == "0/12 pages"  # no pace yet: no estimate
    assert progress_info(12, 12, 40.0) == "12/12 pages"  # done: nothing left


def test_gallery_bar_shows_pages_done_and_time_left(tmp_path, monkeypatch):
    """On a terminal (click draws its bar only there) the bar counts the pages up to all of them."""
    import click._termui_impl
    from click.testing import CliRunner

    from lenet_viz import site
    from lenet_viz.cli import cli
    from lenet_viz.site.pages import browse, digits, index

    monkeypatch.setattr(click._termui_impl, "isatty", lambda stream: True)
    monkeypatch.setattr(site.pages, "pages_for", lambda data: (digits.PAGE, browse.PAGE, index.PAGE))
    r = CliRunner().invoke(cli, ["gallery", "--digits", "3", "-o", str(tmp_path / "g")])
    assert r.exit_code == 0, r.output
    shown = re.findall(r"(\d+)/5 pages(?: · about (\d+) s left)?", r.stderr)  # 3 digits, browse, index
    done = [int(p) for p, _ in shown]
    assert done == sorted(done) and set(done) == {1, 2, 3, 4, 5} and done[-1] == 5
    assert any(left for _, left in shown)  # an estimate while work remains
    assert "gallery: 3 digits" in r.stdout
    assert sorted(p.name for p in (tmp_path / "g").glob("*.html")) == \
        ["browse.html", "digit-test-0000.html", "digit-test-0001.html", "digit-test-0002.html", "index.html"]


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
