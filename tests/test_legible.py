"""A saved figure knows its smallest font, and the page shows it no narrower than keeps that text
at >= 11 CSS px (a scrollable, focusable, labelled region below that width)."""

import numpy as np

from lenet_viz.render.figures import min_font_px, new_figure, save_figure
from lenet_viz.site.html import COLUMN_PADDING_PX, LEGIBLE_PX, env, fig_entry, legible_width


def _figure(tick_pt=6.0):
    fig = new_figure(4.0, 2.0)
    ax, off = fig.subplots(1, 2)
    ax.plot(np.arange(5.0))
    ax.set_title("a title", fontsize=14)
    ax.tick_params(labelsize=tick_pt)
    off.imshow(np.zeros((3, 3)))
    off.tick_params(labelsize=2)  # an axes turned off draws no tick labels: they do not count
    off.axis("off")
    return fig


def test_min_font_is_read_from_the_saved_figure(tmp_path):
    fig = _figure(6.0)
    save_figure(fig, tmp_path / "f.png")
    assert min_font_px(fig) == 6.0 * fig.dpi / 72
    assert min_font_px(fig, dpi=200) == 6.0 * 200 / 72


def test_width_follows_from_figure_size_and_font(tmp_path):
    fig = _figure(6.0)
    path = save_figure(fig, tmp_path / "f.png")
    entry = fig_entry(path, tmp_path, "alt", font_px=min_font_px(fig))
    assert (entry["width"], entry["height"]) == (400, 200)  # 4 x 2 inches at 100 dpi
    # 6 pt at 100 dpi is 8.33 px in a 400 px image: shown 400 * 11 / 8.33 = 528 px wide it reads at 11 px
    assert entry["min_width"] == 528 == legible_width(400, 600 / 72)
    assert entry["shrinks_below"] == 400 + COLUMN_PADDING_PX  # a narrower screen's column shrinks it
    assert entry["min_width"] * min_font_px(fig) / entry["width"] >= LEGIBLE_PX
    assert (entry["min_width"] - 1) * min_font_px(fig) / entry["width"] < LEGIBLE_PX
    big = _figure(12.0)  # 16.7 px text: already legible at 264 px
    save_figure(big, tmp_path / "b.png")
    assert fig_entry(path, tmp_path, "alt", font_px=min_font_px(big))["min_width"] == 264


def test_a_figure_without_text_gets_no_min_width(tmp_path):
    fig = new_figure(2.0, 1.0)
    fig.add_subplot().axis("off")
    path = save_figure(fig, tmp_path / "n.png")
    assert min_font_px(fig) is None
    assert "min_width" not in fig_entry(path, tmp_path, "alt", font_px=min_font_px(fig))


def test_page_wraps_the_figure_in_a_labelled_focusable_scroll_region():
    fig = {"src": "assets/p/f.png", "alt": "saturation histograms", "caption": "", "width": 900,
           "height": 600, "font_px": 9.72, "min_width": legible_width(900, 9.72), "shrinks_below": 948}
    plain = {"src": "assets/p/g.png", "alt": "no text", "caption": "", "width": 100, "height": 50}
    html = env().get_template("page.html").render(
        title="t", current="", nav=[], version="0", model_label="m", model_note="", lead="", table=None,
        sections=[{"id": "s", "title": "S", "caption": "", "figures": [fig, plain], "table": None}])
    assert '@media (max-width: 947px) { .lw1-1 img { min-width: 1019px; }' in html
    assert '@container (max-width: 1018px) { .lw1-1 .scroll-hint { display: block; } }' in html
    assert ('<div class="fig-scroll" role="region" tabindex="0" '
            'aria-label="saturation histograms (figure, scrolls sideways)">') in html
    assert html.count('class="fig-scroll"') == 1 and html.count('class="zoom"') == 2
