"""Renderers: pure functions from captured data to a ``graphviz.Digraph``, a matplotlib ``Figure``, or
(for the digit pages: ``panels``, ``charts``) plain pixels, words and SVG, without matplotlib.

They never import MXNet and never write files; each module has one thin ``save_*`` function for that.
Import the module you need (``lenet_viz.render.diagram``…): this package imports nothing, so the
diagram does not pay for matplotlib, nor the figures for Graphviz.
"""
