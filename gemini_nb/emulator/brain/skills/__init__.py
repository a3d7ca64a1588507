"""The brain's skills: one module per capability; ``pipeline.py`` says which answers first."""
