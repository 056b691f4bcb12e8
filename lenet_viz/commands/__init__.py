"""One module per ``lenet-viz`` command, each defining ``command``; registered in :mod:`lenet_viz.cli`."""
