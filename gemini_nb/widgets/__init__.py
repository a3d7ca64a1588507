"""Notebook widgets over the kernel's session and the cells' renderer: the chat panel
(:mod:`.chat`, with its anywidget front-end pieces in :mod:`.front`), the compare grid
(:mod:`.compare_view`) and the background-job display (:mod:`.job`). Each has a text/HTML fallback.

Nothing is imported here: ipywidgets and anywidget load only when a widget is made, so
``%load_ext gemini_nb`` stays instant.
"""
