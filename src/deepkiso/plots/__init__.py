"""Figures: every function here takes arrays or results and returns a matplotlib Figure.

A Figure shows inline in Jupyter, where the course is taught, and the
command-line tool saves the same Figure to a file. Nothing here calls
pyplot, so no figure is left open in a global registry.
"""
