"""gemini_nb: Jupyter toolkit for the Gemini Interactions API."""
__version__ = "0.1.0"
