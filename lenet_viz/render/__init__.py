"""Renderers: pure functions from captured data to a ``graphviz.Digraph`` or a matplotlib ``Figure``.

They never import MXNet and never write files; each module has one thin ``save_*`` function for that.
Import the module you need (``lenet_viz.render.diagram``…): this package imports nothing, so the
diagram does not pay for matplotlib, nor the figures for Graphviz.
"""
