"""Packaging habits: one version, typed, the package data a wheel needs."""

from __future__ import annotations

import importlib.metadata
import pathlib

import gemini_nb

ROOT = pathlib.Path(gemini_nb.__file__).parent


def test_the_version_is_written_once():
    assert importlib.metadata.version("gemini_nb") == gemini_nb.__version__
    pyproject = (ROOT.parent / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and gemini_nb.__version__ not in pyproject


def test_py_typed_is_shipped():
    assert (ROOT / "py.typed").is_file()
    assert '"py.typed"' in (ROOT.parent / "pyproject.toml").read_text()
