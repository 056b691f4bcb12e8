"""The architecture as a Graphviz diagram: the encoder pyramid of a :class:`~lenet_viz.tracedata.Trace`.

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

import math
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import graphviz

from ..errors import RenderError
from ..fileio import atomic_write
from ..tracedata import LayerRecord, Trace
from .glyphs import (
    _FONT,
    _detail,
    _dot_id,
    _esc,
    _glyph,
    _groups,
    _label,
    _Node,
    _params_text,
    _picture_size,
    _shape,
    _title,
    _url,
    _weights_label,
    _weights_text,
)

LAYOUTS = ("LR", "TB", "wrap")
#: In the ``wrap`` layout a row holds at most this many nodes (a stage cluster is never split): five
#: nodes of 11-pt captions fit a ~1000 px column at natural size.
ROW_NODES = 5
FORMATS = ("svg", "png", "pdf", "dot")

_NOTE = "drawn with one input's values · one colour scale per layer · output: softmax probabilities"
_NO_DOT_HINT = " `--format dot` (fmt='dot') writes the DOT text and needs no `dot`."


def _no_dot(why: str) -> str:
    return (f"Graphviz's `dot` program was not found on PATH, {why}: install Debian's `graphviz` "
            f"package (sudo apt-get install graphviz).")


def require_dot(why: str = "and every page draws the architecture with it", hint: str = "") -> None:
    """Raise RenderError (before any work) when Graphviz's ``dot`` is missing, saying ``why`` it is needed."""
    if shutil.which("dot") is None:
        raise RenderError(_no_dot(why) + hint)


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
        #: the pictures the DOT text names (file name → RGB pixels), for a pyramid drawn with an
        #: input's values (:func:`lenet_viz.render.pyramid.pyramid`); empty for a plain diagram
        self.images: dict = {}

    @property
    def source(self) -> str:
        """The DOT text (deterministic for a given architecture and ``links``)."""
        return self.digraph.source

    def pipe(self, fmt: str = "svg", embed: bool = True) -> bytes:
        """The diagram rendered by Graphviz ``dot``.

        Args:
            fmt: ``svg``, ``png`` or ``pdf`` (``dot`` returns the DOT text encoded as UTF-8).
            embed: for a diagram with pictures, put them into the SVG as ``data:`` URIs; False
                leaves their file names (a layout that :func:`~lenet_viz.render.pyramid.embed`
                fills in later, for any input of the same net).
        Returns:
            the rendered bytes.
        Raises:
            RenderError: an unknown format, ``dot`` missing, or ``dot`` failing.
        """
        _check_format(fmt)
        if fmt == "dot":
            return self.source.encode("utf-8")
        require_dot(f"so the diagram cannot be drawn as {fmt}", _NO_DOT_HINT)
        try:
            if self.images:
                return self._pipe_pictures(fmt, embed)
            return self.digraph.pipe(format=fmt)
        except (graphviz.ExecutableNotFound, FileNotFoundError):  # PATH changed since the check
            raise RenderError(_no_dot(f"so the diagram cannot be drawn as {fmt}") + _NO_DOT_HINT) from None
        except subprocess.CalledProcessError as e:
            raise RenderError(f"Graphviz `dot` failed (exit status {e.returncode}) drawing the "
                              f"diagram as {fmt}; `--format dot` writes the DOT text instead") from None
        except RuntimeError as e:  # graphviz raises bare RuntimeError for some platform problems
            raise RenderError(f"Graphviz could not draw the diagram as {fmt}: {e}") from None

    def _pipe_pictures(self, fmt: str, embed: bool) -> bytes:
        """``dot`` run in a temporary folder holding the pictures, which the DOT names relatively
        (so the DOT text holds no temporary path)."""
        import tempfile

        from .pyramid import embed as embed_pictures
        from .pyramid import png

        with tempfile.TemporaryDirectory(prefix="lenet-viz-pyramid-") as tmp:
            for name, rgb in self.images.items():
                # raster formats: pixels enlarged, so the renderer's smoothing does not blur 5×5 maps
                Path(tmp, name).write_bytes(png(rgb, 1 if fmt == "svg" else 4))
            out = subprocess.run(["dot", f"-T{fmt}"], input=self.source.encode("utf-8"), cwd=tmp,
                                 capture_output=True, check=True).stdout
        if fmt == "svg" and embed:
            out = embed_pictures(out.decode("utf-8"), self.images).encode("utf-8")
        return out

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
            links: Callable[[str], str | None] | None = None, pictures: dict | None = None) -> Diagram:
    """Draw a traced net as its encoder pyramid: input → conv → pool → … → dense, one node a layer.

    Args:
        trace: a :class:`~lenet_viz.tracedata.Trace`, or its list of
            :class:`~lenet_viz.tracedata.LayerRecord` (then the input shape is taken from the first
            layer and the title says ``model``).
        layout: ``LR`` (data flows left to right, feature maps side by side), ``TB`` (a vertical
            textbook schematic) or ``wrap`` (LR broken into rows of at most :data:`ROW_NODES` nodes,
            for a page column; a dense layer's weight count is then a caption line, not an edge label).
        links: maps a node id (``input``, ``conv1``, ``flatten``…) to the href of that node, e.g.
            ``lambda n: f"digit-3.html#{n}"``; ``None`` as a result leaves the node unlinked.
            Default: ``#<name>``. Characters a URL may not hold raw (quotes, spaces, ``<>``,
            backslashes, non-ASCII) are percent-encoded and ``&`` is written ``&amp;``, as Graphviz
            copies hrefs into the SVG unescaped.
        pictures: node id → :class:`~lenet_viz.render.pyramid.Picture` to show in place of the
            glyph (what :func:`~lenet_viz.render.pyramid.pyramid` passes); the title then says so.
    Returns:
        a :class:`Diagram`; nodes carry ``id`` = layer name, ``URL`` and a one-sentence ``tooltip``.
    Raises:
        RenderError: an unknown layout, a trace with no layers, or ``links`` not callable or not
            returning a string.
    """
    if layout not in LAYOUTS:
        raise RenderError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)} "
                          f"(LR: left to right, TB: top to bottom, wrap: LR in rows)")
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
    lr = layout != "TB"
    wrap = layout == "wrap"
    pictures = pictures or {}
    glyphs = {n.name: _picture_size(pictures[n.name]) if n.name in pictures else _glyph(n.shape, lr)
              for n in nodes}
    # LR: one glyph-row height for all nodes, so names and shapes line up across the page; TB: each
    # node as short as its glyph, as nothing sits beside it to line up with.
    row_h = max(h for _, h in glyphs.values()) if lr else None
    g = graphviz.Digraph(name=_dot_id(variant or "net"), encoding="utf-8")
    g.attr("graph", _attributes=[
        ("rankdir", "LR" if lr else "TB"), *([("newrank", "true")] if wrap else []),
        ("bgcolor", "white"), ("fontname", _FONT), ("fontsize", "11"),
        ("labelloc", "t"),
        ("label", _title(label, variant, total, nodes, 0 if lr else 3, _NOTE if pictures else "")),
        ("nodesep", "0.25"), ("ranksep", "0.3" if lr else "0.2"), ("pad", "0.2"),
    ])
    g.attr("node", _attributes=[("shape", "plain"), ("fontname", _FONT), ("fontsize", "11")])
    g.attr("edge", _attributes=[("fontname", _FONT), ("fontsize", "11"), ("color", "#333333"),
                                ("arrowsize", "0.7")])

    def add(graph: graphviz.Digraph, n: _Node) -> None:
        attrs = [("id", _esc(n.name)), ("class", _esc(f"layer {n.kind}")), ("tooltip", _esc(n.tooltip))]
        if urls[n.name] is not None:
            attrs.append(("URL", _esc(_url(urls[n.name]))))
        graph.node(_dot_id(n.name), _label(n, glyphs[n.name], row_h, extra.get(n.name, "") if wrap else None,
                                           pictures.get(n.name)), _attributes=attrs)

    extra = {n.name: _weights_text(prev.shape, n.shape) for prev, n in zip(nodes, nodes[1:])
             if n.kind == "dense"}
    groups = _groups(nodes, records, lr)
    for group in groups:
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
    # In wrap, the edge into a row's first node runs from below the previous row's last node to
    # above it, and the rows' first nodes share a rank (one column), in order.
    tail_port, head_port = (":g:e", ":g:w") if lr else ("", "")
    starts = {row[0].name for row in _rows(groups)} if wrap else set()
    for prev, n in zip(nodes, nodes[1:]):
        attrs = [("id", _esc(f"{prev.name}-{n.name}"))]
        if n.kind == "dense" and not wrap:
            attrs.append(("label", _weights_label(prev.shape, n.shape, lr)))
        if n.name in starts:
            g.edge(_dot_id(prev.name) + ":s", _dot_id(n.name) + ":n",
                   _attributes=[*attrs, ("constraint", "false")])
        else:
            g.edge(_dot_id(prev.name) + tail_port, _dot_id(n.name) + head_port, _attributes=attrs)
    if len(starts) > 1:
        firsts = [n.name for n in nodes if n.name == nodes[0].name or n.name in starts]
        with g.subgraph() as same:
            same.attr("graph", rank="same")
            for a, b in zip(firsts, firsts[1:]):
                same.edge(_dot_id(a), _dot_id(b), _attributes=[("style", "invis")])
    return Diagram(g, layout, [n.name for n in nodes])


def _rows(groups: list) -> list:
    """The ``wrap`` layout's rows: whole groups, at most :data:`ROW_NODES` nodes a row (more only
    when one group alone is longer)."""
    rows: list = [[]]
    for group in groups:
        if rows[-1] and len(rows[-1]) + len(group.nodes) > ROW_NODES:
            rows.append([])
        rows[-1].extend(group.nodes)
    return rows


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
    return atomic_write(p, data, error=RenderError)


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
    nodes = [_Node("input", "input", "image", "grayscale" if in_shape[:1] == (1,) else "image",
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
