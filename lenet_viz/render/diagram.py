"""The architecture as a Graphviz diagram: the encoder pyramid of a :class:`~lenet_viz.trace.Trace`.

:func:`diagram` is pure: a trace (or its list of layer records) in, a :class:`Diagram` holding a
``graphviz.Digraph`` out. Only :func:`save_diagram` writes files, and only :meth:`Diagram.svg` /
:func:`save_diagram` for svg/png/pdf need Graphviz's ``dot`` program; the DOT text never does.

Each layer is one node: a caption above and below a coloured *glyph* whose size is the layer's
output tensor. Across the data flow the glyph is as long as the feature map's side (28, 14, 10, 5
pixels) or, for a vector of n units, as the side of the square those units would fill (sqrt n);
along the flow it is as thick as sqrt(channels). The text lives outside the glyph so a 5x5 map can
be drawn small without clipping its caption. The DOT text depends only on the architecture (never
on weights or activations), and node ids are layer names, so the same net gives byte-identical
source in every run: the golden tests rely on it.
"""

from __future__ import annotations

import html
import math
import os
import shutil
import subprocess
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from ..errors import RenderError
from ..trace import LayerRecord, Trace

LAYOUTS = ("LR", "TB")
FORMATS = ("svg", "png", "pdf", "dot")

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
_NO_DOT = ("Graphviz's `dot` program was not found on PATH, so the diagram cannot be drawn as "
           "{fmt}: install Debian's `graphviz` package (sudo apt-get install graphviz). "
           "`--format dot` (fmt='dot') writes the DOT text and needs no `dot`.")


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


class Diagram:
    """A drawn architecture: a ``graphviz.Digraph`` plus ways to show or save it.

    Attributes:
        digraph: the ``graphviz.Digraph``; its ``source`` is the DOT text.
        layout: ``LR`` or ``TB``.
        names: node ids (layer names, plus ``input`` and an implicit ``flatten``) in data-flow order.
    """

    def __init__(self, digraph: graphviz.Digraph, layout: str, names: Sequence[str]) -> None:
        self.digraph = digraph
        self.layout = layout
        self.names = list(names)

    @property
    def source(self) -> str:
        """The DOT text (deterministic for a given architecture and ``links``)."""
        return self.digraph.source

    def pipe(self, fmt: str = "svg") -> bytes:
        """The diagram rendered by Graphviz ``dot``.

        Args:
            fmt: ``svg``, ``png`` or ``pdf`` (``dot`` returns the DOT text encoded as UTF-8).
        Returns:
            the rendered bytes.
        Raises:
            RenderError: an unknown format, ``dot`` missing, or ``dot`` failing.
        """
        _check_format(fmt)
        if fmt == "dot":
            return self.source.encode("utf-8")
        if shutil.which("dot") is None:
            raise RenderError(_NO_DOT.format(fmt=fmt))
        try:
            return self.digraph.pipe(format=fmt)
        except graphviz.ExecutableNotFound:  # PATH changed between the check and the call
            raise RenderError(_NO_DOT.format(fmt=fmt)) from None
        except subprocess.CalledProcessError as e:
            raise RenderError(f"Graphviz `dot` failed (exit status {e.returncode}) drawing the "
                              f"diagram as {fmt}; `--format dot` writes the DOT text instead") from None
        except RuntimeError as e:  # graphviz raises bare RuntimeError for some platform problems
            raise RenderError(f"Graphviz could not draw the diagram as {fmt}: {e}") from None

    def svg(self) -> str:
        """The diagram as SVG text, drawn by Graphviz ``dot``.

        Returns:
            the SVG document.
        Raises:
            RenderError: ``dot`` missing or failing.
        """
        return self.pipe("svg").decode("utf-8")

    def _repr_svg_(self) -> str:
        return self.svg()

    def save(self, path: str | os.PathLike, fmt: str | None = None) -> Path:
        """Write the diagram to ``path``; see :func:`save_diagram`."""
        return save_diagram(self, path, fmt)

    def __repr__(self) -> str:
        flow = " → ".join(self.names)
        return f"<Diagram {self.digraph.name} {self.layout}: {len(self.names)} nodes ({flow})>"


def diagram(trace: Trace | Sequence[LayerRecord], layout: str = "LR",
            links: Callable[[str], str | None] | None = None) -> Diagram:
    """Draw a traced net as its encoder pyramid: input → conv → pool → … → dense, one node a layer.

    Args:
        trace: a :class:`~lenet_viz.trace.Trace`, or its list of
            :class:`~lenet_viz.trace.LayerRecord` (then the input shape is taken from the first
            layer and the title says ``model``).
        layout: ``LR`` (data flows left to right, feature maps side by side) or ``TB`` (a vertical
            textbook schematic).
        links: maps a node id (``input``, ``conv1``, ``flatten``…) to the href of that node, e.g.
            ``lambda n: f"digit-3.html#{n}"``; ``None`` as a result leaves the node unlinked.
            Default: ``#<name>``. Characters a URL may not hold raw (quotes, spaces, ``<>``,
            backslashes, non-ASCII) are percent-encoded and ``&`` is written ``&amp;``, as Graphviz
            copies hrefs into the SVG unescaped.
    Returns:
        a :class:`Diagram`; nodes carry ``id`` = layer name, ``URL`` and a one-sentence ``tooltip``.
    Raises:
        RenderError: an unknown layout, a trace with no layers, or ``links`` not callable or not
            returning a string.
    """
    if layout not in LAYOUTS:
        raise RenderError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)} "
                          f"(LR: left to right, TB: top to bottom)")
    if links is not None and not callable(links):
        raise RenderError(f"links must be a function from a layer name to an href, "
                          f"got {type(links).__name__}")
    records, label, variant = _records(trace)
    nodes = _nodes(records)
    href = links or (lambda name: f"#{name}")
    urls = {}
    for n in nodes:
        url = href(n.name)
        if url is not None and not isinstance(url, str):
            raise RenderError(f"links({n.name!r}) returned a {type(url).__name__}; expected an "
                              f"href string or None")
        urls[n.name] = url

    total = sum(r.n_params for r in records)
    lr = layout == "LR"
    glyphs = {n.name: _glyph(n.shape, lr) for n in nodes}
    # LR: one glyph-row height for all nodes, so names and shapes line up across the page; TB: each
    # node as short as its glyph, as nothing sits beside it to line up with.
    row_h = max(h for _, h in glyphs.values()) if lr else None
    g = graphviz.Digraph(name=_dot_id(variant or "net"), encoding="utf-8")
    g.attr("graph", _attributes=[
        ("rankdir", layout), ("bgcolor", "white"), ("fontname", _FONT), ("fontsize", "11"),
        ("labelloc", "t"), ("label", _title(label, variant, total, nodes)),
        ("nodesep", "0.25"), ("ranksep", "0.3" if lr else "0.2"), ("pad", "0.2"),
    ])
    g.attr("node", _attributes=[("shape", "plain"), ("fontname", _FONT), ("fontsize", "11")])
    g.attr("edge", _attributes=[("fontname", _FONT), ("fontsize", "10"), ("color", "#333333"),
                                ("arrowsize", "0.7")])

    def add(graph: graphviz.Digraph, n: _Node) -> None:
        attrs = [("id", _esc(n.name)), ("class", _esc(f"layer {n.kind}")), ("tooltip", _esc(n.tooltip))]
        if urls[n.name] is not None:
            attrs.append(("URL", _esc(_url(urls[n.name]))))
        graph.node(_dot_id(n.name), _label(n, glyphs[n.name], row_h), _attributes=attrs)

    for group in _groups(nodes, records, lr):
        if group.name is None:
            for n in group.nodes:
                add(g, n)
            continue
        with g.subgraph(name=group.name) as c:
            c.attr("graph", _attributes=[
                ("id", _esc(group.name)), ("label", _esc(group.label)), ("tooltip", _esc(group.tooltip)),
                ("labelloc", group.labelloc), ("labeljust", "l"), ("style", "dashed,rounded"),
                ("color", "#777777"), ("fontsize", "11"), ("margin", "6"),
            ])
            for n in group.nodes:
                add(c, n)

    # In LR the edges run glyph to glyph (port "g") so arrows touch the tensors, not the captions;
    # in TB a caption sits between a glyph and the next node, so edges join whole nodes.
    tail_port, head_port = (":g:e", ":g:w") if lr else ("", "")
    for prev, n in zip(nodes, nodes[1:]):
        attrs = [("id", _esc(f"{prev.name}-{n.name}"))]
        if n.kind == "dense":
            attrs.append(("label", _weights_label(prev.shape, n.shape, lr)))
        g.edge(_dot_id(prev.name) + tail_port, _dot_id(n.name) + head_port, _attributes=attrs)
    return Diagram(g, layout, [n.name for n in nodes])


def save_diagram(diagram: Diagram, path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write a diagram as svg, png, pdf or DOT text, atomically.

    The bytes go to a temporary file in the target folder which is then renamed over ``path``, so a
    reader (a browser refreshing the gallery) never sees half a file.

    Args:
        diagram: what :func:`diagram` returned.
        path: destination file; its folder must exist.
        fmt: ``svg``, ``png``, ``pdf`` or ``dot``; by default taken from the suffix of ``path``
            (``.gv`` means ``dot``).
    Returns:
        the path written.
    Raises:
        RenderError: an unknown format, a missing folder, ``dot`` missing (for svg/png/pdf) or the
            file not writable.
    """
    p = Path(path)
    if fmt is None:
        suffix = p.suffix.lower().lstrip(".")
        fmt = "dot" if suffix == "gv" else suffix
        if fmt not in FORMATS:
            raise RenderError(f"cannot tell the format of {p.name!r} from its suffix: give fmt as "
                              f"one of {', '.join(FORMATS)}, or a path ending in "
                              f"{', '.join('.' + f for f in FORMATS)} or .gv")
    _check_format(fmt)
    if not p.parent.is_dir():
        raise RenderError(f"cannot save {p.name}: folder {p.parent} does not exist")
    data = diagram.pipe(fmt)  # before opening any file: a missing `dot` leaves nothing behind
    # Not mkstemp: its 0600 mode would survive the rename and hide gallery files from a web server.
    tmp = p.with_name(f".{p.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except OSError as e:
        raise RenderError(f"cannot write {p}: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def _check_format(fmt: Any) -> None:
    if fmt not in FORMATS:
        raise RenderError(f"unknown diagram format {fmt!r}; choose one of {', '.join(FORMATS)} "
                          f"(dot writes the DOT text and needs no Graphviz)")


def _records(trace: Any) -> tuple[list, str, str]:
    """The layer records plus a model label and variant, for a Trace or a list of records."""
    if isinstance(trace, Trace):
        records, label, variant = list(trace.layers), trace.model, trace.variant
    elif isinstance(trace, (list, tuple)):
        records, label, variant = list(trace), "", ""
    else:
        raise RenderError(f"diagram() needs a Trace or a list of LayerRecord, got {type(trace).__name__}")
    if not records:
        raise RenderError("the trace has no layers to draw")
    for r in records:
        if not isinstance(r, LayerRecord):
            raise RenderError(f"diagram() needs LayerRecord items, got a {type(r).__name__}")
    return records, label, variant


def _nodes(records: list) -> list:
    """One node per layer, preceded by ``input`` and with Gluon's implicit flatten made explicit."""
    in_shape = tuple(records[0].input_shape[1:])
    nodes = [_Node("input", "input", "image", "grayscale digit" if in_shape[:1] == (1,) else "image",
                   in_shape, None, 0, f"input: {_shape(in_shape)} image, what the net sees")]
    taken = {r.name for r in records}
    for r in records:
        if r.kind == "dense" and len(r.input_shape) == 4:
            # Gluon's Dense flattens a C×H×W input by itself; the seed's textbook figure shows that
            # step, and the "400 × 120" weight count only reads right after a visible 400.
            name = "flatten" if "flatten" not in taken else f"flatten_{r.name}"
            flat = (int(math.prod(r.input_shape[1:])),)
            nodes.append(_Node(
                name, "flatten", "implicit", f"{_shape(r.input_shape[1:])} → {flat[0]}", flat, None, 0,
                f"{name}: {r.name} (Gluon Dense) flattens its {_shape(r.input_shape[1:])} input "
                f"→ {flat[0]}, no params"))
        nodes.append(_Node(r.name, r.kind, r.block, _detail(r), tuple(r.output_shape[1:]),
                           r.activation, r.n_params,
                           f"{r.name}: {r.describe()} → {_shape(r.output_shape[1:])}, "
                           f"{_params_text(r.n_params)}"))
    return nodes


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
            groups.append(_Group(f"cluster_{n.name}", text, text, "t" if lr else "b", head))
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


def _label(n: _Node, glyph: tuple, row_h: int | None) -> str:
    """HTML-like label: two caption lines, the glyph, two caption lines.

    Equal line counts above and below keep every glyph on the node's centre line, so in LR the
    glyphs line up on one axis; the glyph row has the same height in every node so captions line
    up too.
    """
    w, h = glyph
    row_h = h if row_h is None else row_h
    shape = f"<B>{_h(_shape(n.shape))}</B>" + (f" · {_h(n.activation)}" if n.activation else "")
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f"<TR><TD><B>{_h(n.name)}</B> · {_h(n.block)}</TD></TR>"
        f"<TR><TD>{_h(n.detail)}</TD></TR>"
        f'<TR><TD FIXEDSIZE="TRUE" WIDTH="{w}" HEIGHT="{row_h + 10}" CELLPADDING="0">'
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="0">'
        f'<TR><TD PORT="g" FIXEDSIZE="TRUE" WIDTH="{w}" HEIGHT="{h}" BGCOLOR="{COLORS[n.kind]}" '
        'COLOR="#333333"></TD></TR></TABLE></TD></TR>'
        f"<TR><TD>{shape}</TD></TR>"
        f"<TR><TD>{_h(_params_text(n.n_params))}</TD></TR>"
        "</TABLE>>"
    )


def _title(label: str, variant: str, total: int, nodes: list) -> str:
    """Graph label: model name and total params, then a colour legend of the kinds present."""
    heading = _TITLES.get(variant, variant)
    name = label or heading or "model"
    suffix = f" ({heading})" if heading and heading != name else ""
    kinds = [k for k in COLORS if any(n.kind == k for n in nodes)]
    # Swatches are coloured ■ characters in one text cell: Graphviz stretches the cells of a table
    # row to the title's width, which would scatter a legend built from cells.
    legend = "   ".join(f'<FONT COLOR="{COLORS[k]}" POINT-SIZE="14">■</FONT> {_h(_LEGEND[k])}'
                         for k in kinds)
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        f'<TR><TD><FONT POINT-SIZE="15"><B>{_h(name)}</B>{_h(suffix)}</FONT>'
        f'<FONT POINT-SIZE="13"> · {total:,} parameters</FONT></TD></TR>'
        f"<TR><TD>{legend}</TD></TR>"
        '<TR><TD HEIGHT="8"></TD></TR>'  # keeps the legend off the first node in TB
        "</TABLE>>"
    )


def _weights_label(in_shape: tuple, out_shape: tuple, lr: bool) -> str:
    """``400 × 120 = 48,000 weights`` as an edge label.

    In LR on two lines, as the label's width sets the gap between ranks; padded, as dot puts a TB
    label's text right against the edge line.
    """
    n_in, n_out = int(math.prod(in_shape)), int(math.prod(out_shape))
    text = f"{n_in} × {n_out}{'<BR/>' if lr else ' '}= {n_in * n_out:,} weights"
    return f'<<TABLE BORDER="0" CELLPADDING="3"><TR><TD>{text}</TD></TR></TABLE>>'


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
