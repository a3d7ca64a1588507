"""Notebook widgets (ipywidgets) over the same renderer as cells; each has a text/HTML fallback.

Imported lazily: nothing here loads with ``%load_ext gemini_nb``.
"""
