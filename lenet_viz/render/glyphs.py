"""The pieces of the architecture diagram: node captions, groups, glyph sizes, HTML-like labels, DOT
escaping and the colours per layer kind (the drawing itself is :mod:`lenet_viz.render.diagram`)."""

from __future__ import annotations

import html
import math
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import graphviz

from ..tracedata import LayerRecord

#: Fill colour per kind (Okabe-Ito, readable by colour-blind viewers). ``input`` is not a layer
#: kind but gets a node too.
COLORS = {
    "input": "#4D4D4D",
    "conv": "#56B4E9",
    "bn": "#CC79A7",
    "act": "#D55E00",
    "pool": "#E69F00",
    "gap": "#F0E442",
    "flatten": "#BBBBBB",
    "dropout": "#E5E5E5",
    "dense": "#009E73",
}
_LEGEND = {
    "input": "input", "conv": "convolution", "bn": "batch norm", "act": "activation",
    "pool": "pooling", "gap": "global avg pool", "flatten": "flatten", "dropout": "dropout",
    "dense": "dense",
}
_TITLES = {"lenet5": "LeNet-5", "modern": "modern LeNet", "mlp": "MLP baseline"}
#: dense1 of the seed's LeNet-5 (400 x 120 weights + 120 biases): what a GAP head saves against.
SEED_DENSE1_PARAMS = 400 * 120 + 120

_FONT = "Helvetica"
_PT_PER_PIXEL = 3.0  # glyph points per feature-map pixel: a 28x28 map is 84 pt (~1.2 in) long
_PT_PER_SQRT_CHANNEL = 6.0  # thickness: 6 channels -> 15 pt, 16 -> 24 pt, 64 -> 48 pt
_MIN_LEN, _MAX_LEN = 12, 96
_MIN_THICK, _MAX_THICK = 8, 60

@dataclass(frozen=True)
class _Node:
    """What one node shows; built from a layer record, or made up for ``input``/implicit flatten."""

    name: str
    kind: str
    block: str
    detail: str  # second caption line: kernel/stride/padding, units, what the layer does
    shape: tuple  # output shape without the batch dimension
    activation: str | None
    n_params: int
    tooltip: str


def _detail(r: LayerRecord) -> str:
    """The caption line under the name: kernel/stride/padding, units, or what the layer does."""
    c = r.config
    if r.kind == "conv":
        k = c.get("kernel")
        return f"{c.get('channels')}@{k}×{k}, stride {c.get('stride', 1)}, pad {c.get('padding', 0)}"
    if r.kind == "pool":
        k = c.get("kernel")
        pad = f", pad {c['padding']}" if c.get("padding") else ""
        return f"{c.get('pool', '')} {k}×{k}, stride {c.get('stride')}{pad}".strip()
    if r.kind == "gap":
        side = "×".join(map(str, r.input_shape[2:]))
        return f"{c.get('pool', 'avg')} of each {side} map"
    if r.kind == "dense":
        return f"{c.get('units')} units"
    if r.kind == "bn":
        return "per-channel norm"
    if r.kind == "act":
        return "elementwise"
    if r.kind == "flatten":
        return f"{_shape(r.input_shape[1:])} → {int(math.prod(r.output_shape[1:]))}"
    if r.kind == "dropout":
        return f"rate {c.get('rate')}"
    return r.block


@dataclass(frozen=True)
class _Group:
    """A run of consecutive nodes, drawn as a cluster when ``name`` is set."""

    name: str | None
    label: str
    tooltip: str
    labelloc: str
    nodes: list


def _groups(nodes: list, records: list, lr: bool) -> list:
    """Consecutive nodes as :class:`_Group` runs.

    A conv followed by its own BatchNorm/Activation is one visual stage (the modern variant); a
    global-average-pool and everything after it is the head, labelled with what it saves against
    the seed's dense1. In TB the edges run through the middle of a cluster's top, so a stage is
    only labelled ``stage k`` at the left (the full text is its tooltip) and the head is labelled
    at the bottom, where no edge leaves it.
    """
    by_name = {r.name: r for r in records}
    groups: list = []
    i, stage = 0, 0
    while i < len(nodes):
        n = nodes[i]
        if n.kind == "gap":
            head = nodes[i:]
            params = sum(m.n_params for m in head)
            text = f"GAP head: {params:,} params vs {SEED_DENSE1_PARAMS:,} in LeNet-5's dense1"
            groups.append(_Group(f"cluster_{n.name}", text if lr else text.replace(" vs ", "\nvs "), text,
                                 "t" if lr else "b", head))
            break
        j = i + 1
        if n.kind == "conv":
            while j < len(nodes) and nodes[j].kind in ("bn", "act"):
                j += 1
        if j - i > 1:
            stage += 1
            parts = ["conv"] + [("BN" if m.kind == "bn" else (by_name[m.name].activation or "act"))
                                for m in nodes[i + 1:j]]
            text = f"stage {stage}: {' → '.join(parts)}"
            groups.append(_Group(f"cluster_{n.name}", text if lr else f"stage {stage}", text, "t",
                                 nodes[i:j]))
        else:
            groups.append(_Group(None, "", "", "t", [n]))
        i = j
    return groups


def _glyph(shape: tuple, lr: bool) -> tuple[int, int]:
    """(width, height) in points of the tensor glyph: across the flow ∝ side, along it ∝ √channels."""
    if len(shape) == 3:
        across = shape[1] * _PT_PER_PIXEL
        along = _PT_PER_SQRT_CHANNEL * math.sqrt(shape[0])
    else:
        # n units drawn as long as the side of the square they would fill: flattening 16×5×5 gives
        # a bar as long as a 20×20 map, so the "400" visibly outgrows the 5×5 maps it came from.
        across = _PT_PER_PIXEL * math.sqrt(math.prod(shape))
        along = _MIN_THICK
    across = int(min(max(round(across), _MIN_LEN), _MAX_LEN))
    along = int(min(max(round(along), _MIN_THICK), _MAX_THICK))
    return (along, across) if lr else (across, along)


def _picture_size(pic: Any) -> tuple[int, int]:
    """(width, height) in points of a picture's cell: the picture, its 1-pt frame, its label row."""
    return pic.width + 2, pic.height + 2 + (14 if pic.labels else 0)


def _picture(pic: Any, kind: str) -> str:
    """The glyph cell's table for a picture (see :mod:`lenet_viz.render.pyramid`): the image in a
    frame of the layer kind's colour, then its label cells, if any."""
    span = f' COLSPAN="{len(pic.labels)}"' if pic.labels else ""
    labels = "".join(f'<TD FIXEDSIZE="TRUE" WIDTH="{pic.width // len(pic.labels)}" HEIGHT="14">{_h(t)}</TD>'
                     for t in pic.labels)
    w, h = _picture_size(pic)  # a fixed-size table: a taller cell would spread its rows apart
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" FIXEDSIZE="TRUE" '
            f'WIDTH="{w}" HEIGHT="{h}"><TR><TD PORT="g"{span} FIXEDSIZE="TRUE" WIDTH="{pic.width + 2}" '
            f'HEIGHT="{pic.height + 2}" '
            f'BORDER="1" COLOR="{COLORS[kind]}"><IMG SRC="{_h(pic.src)}" SCALE="BOTH"/></TD></TR>'
            + (f"<TR>{labels}</TR>" if labels else "") + "</TABLE>")


def _label(n: _Node, glyph: tuple, row_h: int | None, extra: str | None = None, picture: Any = None) -> str:
    """HTML-like label: two caption lines, the glyph, two caption lines (three when ``extra`` is
    given: a smaller line under them, e.g. the weight count; ``""`` keeps the line empty).

    Equal line counts above and below keep every glyph on the node's centre line, so in LR the
    glyphs line up on one axis; the glyph row has the same height in every node so captions line
    up too. A ``picture`` takes the glyph's place (``glyph`` is then its :func:`_picture_size`).
    """
    w, h = glyph
    row_h = h if row_h is None else row_h
    shape = f"<B>{_h(_shape(n.shape))}</B>" + (f" · {_h(n.activation)}" if n.activation else "")
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f"<TR><TD><B>{_h(n.name)}</B> · {_h(n.block)}</TD></TR>"
        f"<TR><TD>{_h(n.detail)}</TD></TR>"
        f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{w}" HEIGHT="{row_h + 10}" CELLPADDING="0">'
        + (_picture(picture, n.kind) if picture is not None else
           '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0">'
           f'<TR><TD PORT="g" FIXEDSIZE="TRUE" WIDTH="{w}" HEIGHT="{h}" BGCOLOR="{COLORS[n.kind]}" '
           'COLOR="#333333"></TD></TR></TABLE>')
        + "</TD></TR>"
        f"<TR><TD>{shape}</TD></TR>"
        f"<TR><TD>{_h(_params_text(n.n_params))}</TD></TR>"
        + ("" if extra is None else f'<TR><TD><FONT POINT-SIZE="10">{_h(extra) or "&#160;"}</FONT></TD></TR>')
        + "</TABLE>>"
    )


def _title(label: str, variant: str, total: int, nodes: list, per_line: int = 0, note: str = "") -> str:
    """Graph label: model name and total params, then a colour legend of the kinds present
    (``per_line`` kinds a line when given, so a narrow TB diagram is not widened by its legend),
    then ``note`` (wrapped like the legend when narrow), if any."""
    heading = _TITLES.get(variant, variant)
    name = label or heading or "model"
    suffix = f" ({heading})" if heading and heading != name else ""
    kinds = [k for k in COLORS if any(n.kind == k for n in nodes)]
    # Swatches are coloured ■ characters in one text cell: Graphviz stretches the cells of a table
    # row to the title's width, which would scatter a legend built from cells.
    items = [f'<FONT COLOR="{COLORS[k]}" POINT-SIZE="14">■</FONT> {_h(_LEGEND[k])}' for k in kinds]
    step = per_line or len(items)
    legend = "<BR/>".join("   ".join(items[i:i + step]) for i in range(0, len(items), step))
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD><FONT POINT-SIZE="15"><B>{_h(name)}</B>{_h(suffix)}</FONT>'
        + ("</TD></TR><TR><TD>" if per_line else "")  # narrow: the count on its own line
        + f'<FONT POINT-SIZE="13">{"" if per_line else " · "}{total:,} parameters</FONT></TD></TR>'
        f"<TR><TD>{legend}</TD></TR>"
        + (f"<TR><TD>{_h(note).replace(' · ', '<BR/>') if per_line else _h(note)}</TD></TR>" if note else "")
        + '<TR><TD HEIGHT="8"></TD></TR>'  # keeps the legend off the first node in TB
        "</TABLE>>"
    )


def _weights_label(in_shape: tuple, out_shape: tuple, lr: bool) -> str:
    """``400 × 120 = 48,000 weights`` as an edge label.

    In LR on two lines, as the label's width sets the gap between ranks; padded, as dot puts a TB
    label's text right against the edge line.
    """
    text = _weights_text(in_shape, out_shape).replace(" = ", "<BR/>= ")
    return f'<<TABLE BORDER="0" CELLPADDING="3"><TR><TD>{text}</TD></TR></TABLE>>'


def _weights_text(in_shape: tuple, out_shape: tuple) -> str:
    """``400 × 120 = 48,000 weights``: the weight matrix of a dense layer."""
    n_in, n_out = int(math.prod(in_shape)), int(math.prod(out_shape))
    return f"{n_in} × {n_out} = {n_in * n_out:,} weights"


def _shape(shape: Sequence[int]) -> str:
    return "×".join(str(int(s)) for s in shape)


def _params_text(n: int) -> str:
    return "no params" if n == 0 else f"{n:,} param" + ("" if n == 1 else "s")


def _h(text: Any) -> str:
    """Escape text for an HTML-like label."""
    return html.escape(str(text), quote=True)


def _esc(text: str) -> str:
    """A quoted DOT attribute value: backslashes doubled, newlines as DOT's ``\\n``, never read as HTML."""
    return graphviz.nohtml(text.replace("\\", "\\\\").replace("\n", "\\n"))


def _url(href: str) -> str:
    """``href`` made safe for the SVG that Graphviz writes it into verbatim.

    Characters a URL may not hold raw are percent-encoded (URL syntax and ``%xx`` escapes are kept),
    and ``&`` becomes ``&amp;``: Graphviz 2.43 leaves a bare ``&`` that breaks the XML, and versions
    that do escape leave an existing entity alone, so the href reads the same everywhere.
    """
    return urllib.parse.quote(href, safe=":/?#[]@!$&'()*+,;=%~").replace("&", "&amp;")


def _dot_id(name: str) -> str:
    return graphviz.nohtml(name.replace("\\", "\\\\"))
