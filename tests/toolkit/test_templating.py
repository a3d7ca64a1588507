"""{{name}}/{{expr}} templating: single braces untouched, one-line errors, DataFrames as tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gemini_nb.templating import TemplateError, render


def test_names_and_expressions():
    assert render("Hi {{who}}, {{ n * 2 }}!", {"who": "Phil", "n": 21}) == "Hi Phil, 42!"
    assert render("{{len(items)}} items", {"items": [1, 2, 3]}) == "3 items"


def test_single_braces_code_and_json_untouched():
    text = 'def f(): return {"a": {1, 2}}  # f"{x}" {x} {{}'
    assert render(text, {}) == text


@given(st.text().filter(lambda s: "{{" not in s))
def test_text_without_double_braces_is_identity(text):
    assert render(text, {}) == text


@pytest.mark.parametrize(
    "template,fragment",
    [
        ("{{missing}}", "name 'missing' is not defined"),
        ("{{missing + 1}}", "name 'missing' is not defined"),
        ("{{1 +}}", "not a valid Python expression"),
        ("{{1/0}}", "ZeroDivisionError"),
        ("{{ }}", "empty placeholder"),
    ],
)
def test_errors_are_one_line_and_name_the_problem(template, fragment):
    with pytest.raises(TemplateError) as info:
        render(template, {})
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_dataframe_is_a_compact_table():
    import pandas as pd

    df = pd.DataFrame({"city": ["Paris", "Rome"], "temp": [21, 25]})
    out = render("Data:\n{{df}}", {"df": df})
    assert "city" in out and "Paris" in out and "<table" not in out
    big = pd.DataFrame({"x": range(100)})
    assert "100 rows in total" in render("{{big}}", {"big": big})


def test_series_wide_frames_and_broken_values():
    import pandas as pd

    out = render("{{s}}", {"s": pd.Series(range(100), name="x")})  # used to raise TypeError
    assert "100 rows in total" in out
    wide = pd.DataFrame({f"col{i}": range(3) for i in range(60)})
    text = render("{{wide}}", {"wide": wide})
    assert "..." in text and "col59" in text and "col30" not in text

    class Broken:
        def __str__(self):
            raise RuntimeError("no text\nsecond line")

    with pytest.raises(TemplateError) as info:
        render("{{b}}", {"b": Broken()})
    assert "{{b}}" in str(info.value) and "RuntimeError" in str(info.value) and "\n" not in str(info.value)


def test_expressions_ending_in_braces_and_literal_empty_placeholders():
    assert render("{{ {'a': {'b': 1}}['a'] }}!", {}) == "{'b': 1}!"
    assert render("{{ {'a': {'b': 1}} }}", {}) == "{'a': {'b': 1}}"
    assert render("{{name}}}}", {"name": "Phil"}) == "Phil}}"
    assert render("keep {{}} and {{who}}", {"who": "Phil"}) == "keep {{}} and Phil"


class _Raises:
    def __init__(self, exc):
        self.exc = exc

    def boom(self):
        raise self.exc

    def __str__(self):
        raise self.exc


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3), GeneratorExit(), BaseException("odd")])
def test_base_exceptions_in_an_expression_are_one_line_template_errors(exc):
    with pytest.raises(TemplateError) as info:
        render("{{ obj.boom() }}", {"obj": _Raises(exc)})
    assert len(str(info.value).splitlines()) == 1 and type(exc).__name__ in str(info.value)
    with pytest.raises(TemplateError) as info:  # raised while turning the value into text
        render("{{ obj }}", {"obj": _Raises(exc)})
    assert len(str(info.value).splitlines()) == 1 and "could not be turned into text" in str(info.value)


def test_an_interrupted_expression_says_so():
    with pytest.raises(TemplateError, match="was interrupted"):
        render("{{ obj.boom() }}", {"obj": _Raises(KeyboardInterrupt())})


def _compiled_chars(monkeypatch, template):
    """Characters handed to compile() while rendering ``template`` (the placeholder search's work)."""
    import gemini_nb.templating as templating

    seen = [0]

    def counting(source, *args, **kwargs):
        seen[0] += len(source)
        return compile(source, *args, **kwargs)

    monkeypatch.setattr(templating, "compile", counting, raising=False)
    try:
        render(template, {"a": 1})
    except TemplateError:
        pass
    return seen[0]


@pytest.mark.parametrize("unit", ["}} ", "{{(}} ", "{{a}} }} ", "{{ {1: 2} }} "])
def test_placeholder_search_is_linear_in_the_prompt(monkeypatch, unit):
    """A 20,000-character prompt full of braces: twice as long costs at most about twice the work
    (each ``}}`` used to be tried against the whole rest of the prompt: quadratic)."""
    head = "{{ a b }} " if unit == "}} " else ""
    small = _compiled_chars(monkeypatch, head + unit * (20_000 // len(unit)))
    large = _compiled_chars(monkeypatch, head + unit * (40_000 // len(unit)))
    assert large <= 2.2 * small + 1_000, (small, large)


def test_nested_braces_still_close_at_the_right_place():
    assert render("{{ {'a': {'b': 1}}['a'] }}!", {}) == "{'b': 1}!"
    assert render('{{ "}}" }} and {{ "x" }}', {}) == "}} and x"
