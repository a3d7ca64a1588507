"""Widgets over the kernel's session: the chat panel (:mod:`.chat`) and its front-end pieces.

Nothing is imported here: ipywidgets and anywidget load only when a widget is made, so
``%load_ext gemini_nb`` stays instant.
"""
