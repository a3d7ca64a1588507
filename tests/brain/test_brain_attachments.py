"""Attached documents are read: summaries quote them, code is explained, questions answered."""

from __future__ import annotations

import base64
import io
import json
import keyword
import re
import zlib

import pytest
from brain_helpers import answer, make_ctx, model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gemini_nb.emulator.brain.lib import attachments
from gemini_nb.emulator.brain.lib.pdf_text import extract_text
from gemini_nb.emulator.brain.skills.text import TextSkill

FILLER = [
    "The weather was mild for most of the season.",
    "Several teams met twice a week to compare notes.",
    "Budgets were reviewed at the end of each month.",
    "Most of the work happened in small groups.",
    "Travel was kept to a minimum this year.",
    "A new office opened near the station.",
]
PLANTED = [
    "The warehouse in Leeds shipped 4812 parcels of copper wire in March.",
    "Dr Okafor found that zebrafish regenerate heart tissue within nine days.",
    "The orchestra will tour Portugal with a program of Sibelius symphonies.",
    "Our submarine cable to Iceland carries 40 terabits of traffic every second.",
]
QUESTIONS = {
    0: "How many parcels of copper wire did the warehouse in Leeds ship?",
    1: "What did Dr Okafor find about zebrafish?",
    2: "Where will the orchestra tour?",
    3: "How much traffic does the submarine cable to Iceland carry?",
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def doc_part(text: str, mime: str = "text/plain") -> dict:
    return {"type": "document", "mime_type": mime, "data": b64(text.encode())}


def make_pdf(lines: list[str], compress: bool = True) -> bytes:
    """A one-page PDF whose content stream shows ``lines`` with Tj (Flate-compressed or not)."""

    def esc(s: str) -> bytes:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")

    shown = b" ".join(b"(" + esc(ln) + b") Tj 0 -14 Td" for ln in lines)
    content = b"BT /F1 12 Tf 72 720 Td " + shown + b" ET"
    body = zlib.compress(content) if compress else content
    filt = b" /Filter /FlateDecode" if compress else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        b"<< /Length %d%s >>\nstream\n" % (len(body), filt) + body + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    for i, obj in enumerate(objs, 1):
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    return out + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


documents = st.tuples(
    st.lists(st.sampled_from(FILLER), min_size=2, max_size=6, unique=True),
    st.integers(0, len(PLANTED) - 1),
    st.integers(0, 6),
)


def planted_doc(filler: list[str], which: int, where: int) -> tuple[str, str]:
    sents = list(filler)
    sents.insert(min(where, len(sents)), PLANTED[which])
    return " ".join(sents), PLANTED[which]


@given(documents, st.sampled_from(["text/plain", "text/markdown"]))
@settings(max_examples=40, deadline=None)
def test_questions_are_answered_by_quoting_the_planted_sentence(doc, mime):
    text, planted = planted_doc(*doc)
    got = answer(QUESTIONS[doc[1]], parts=[doc_part(text, mime)])
    assert f"\u201c{planted}\u201d" in got


@given(documents, st.booleans())
@settings(max_examples=30, deadline=None)
def test_pdf_text_is_extracted_and_questions_answered(doc, compress):
    text, planted = planted_doc(*doc)
    lines = re.split(r"(?<=\.) ", text)
    pdf = make_pdf(lines, compress)
    assert extract_text(pdf).splitlines() == lines
    part = {"type": "document", "mime_type": "application/pdf", "data": b64(pdf)}
    got = answer(QUESTIONS[doc[1]], parts=[part])
    assert "1 page" in got and f"\u201c{planted}\u201d" in got


def test_pdf_strings_with_escapes_and_tj_arrays():
    stream = b"BT [(Hel) -20 (lo \\(x\\))] TJ T* (caf\\351) Tj ET"
    pdf = b"%PDF-1.4\n1 0 obj << /Length 40 >>\nstream\n" + stream + b"\nendstream\nendobj\n"
    assert extract_text(pdf) == "Hello (x)\ncaf\u00e9"
    assert extract_text(b"not a pdf") == ""
    odd = b"%PDF-1.4\n<< /Length 20 >>\nstream\nBT (a\\8b\\q) Tj ET\nendstream\n"
    assert extract_text(odd) == "a8bq"  # unknown escapes drop the backslash, as the spec says


def test_summary_quotes_key_sentences():
    report = (
        "Solar adoption report\n\nSolar panels were installed on 120 schools this year. "
        "The solar panels cut school energy bills by a third. Teachers used the solar data in "
        "science lessons. The canteen menu changed in spring."
    )
    got = answer("Summarize this document.", parts=[doc_part(report)])
    quoted = re.findall(r"\u201c(.+?)\u201d", got)
    assert len(quoted) >= 2 and all(q in report for q in quoted)
    assert "The solar panels cut school energy bills by a third." in quoted


def test_question_with_no_answer_in_the_document_says_so():
    got = answer("Who won the 1998 chess olympiad?", parts=[doc_part(" ".join(FILLER))])
    assert "could not find" in got


IDENT = st.from_regex(r"[a-z][a-z_]{2,10}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))


@given(
    st.lists(IDENT, min_size=1, max_size=4, unique=True),
    st.integers(0, 3),
    st.integers(0, 2),
    st.sampled_from(["int", "str", "float", "list[int]"]),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_python_code_explanations_name_functions_loops_and_types(names, fors, whiles, typ):
    body = []
    for i, name in enumerate(names):
        body.append(f"def {name}(value: {typ}) -> {typ}:")
        body += ["    for _ in range(3):\n        pass"] * (fors if i == 0 else 0)
        body += ["    while False:\n        pass"] * (whiles if i == 0 else 0)
        body.append("    return value\n")
    source = "\n".join(body)
    got = answer(
        "Explain this code",
        parts=[{"type": "document", "mime_type": "text/x-python", "data": b64(source.encode())}],
    )
    assert all(f"`{name}`" in got for name in names)
    assert f"`{typ}`" in got
    if fors:
        assert f"{fors} `for` loop" in got
    if whiles:
        assert f"{whiles} `while` loop" in got


def test_javascript_and_go_by_regex():
    js = (
        "function total(items) {\n  let sum = 0;\n  for (const x of items) sum += x;\n  return sum;\n}\n"
        "const double = (x) => x * 2;\nclass Cart {}\n"
    )
    got = answer(
        "What does this code do?",
        parts=[{"type": "document", "mime_type": "text/javascript", "data": b64(js.encode())}],
    )
    assert "javascript" in got and "`total`" in got and "`double`" in got and "`Cart`" in got
    assert "1 `for` loop" in got
    go = "package main\n\nfunc Add(a int, b int) int {\n\treturn a + b\n}\n"
    got = answer("Explain", parts=[{"type": "document", "mime_type": "text/plain", "data": b64(go.encode())}])
    assert "This is go code" in got and "`Add`" in got and "`int`" in got


def test_csv_and_json_attachments():
    csv = "city,temp\nOslo,4\nRome,19\nCairo,28\n"
    got = answer("Which city is warmest?", parts=[doc_part(csv, "text/csv")])
    assert "**Cairo**" in got
    got = answer(
        "Describe this file",
        parts=[doc_part(json.dumps([{"id": 1, "name": "a"}, {"id": 2}]), "application/json")],
    )
    assert "2 items" in got and "`id`" in got and "`name`" in got


def test_follow_up_question_uses_the_earlier_document():
    text, planted = planted_doc(FILLER[:3], 1, 1)
    first = make_ctx("Here is my report.", parts=[doc_part(text)])
    reply = TextSkill().respond(first).steps[0]["content"][0]["text"]
    history = [first.input_steps[0], model(reply)]
    got = answer("What does the document say about zebrafish?", history=history)
    assert planted in got


def test_pasted_text_is_summarized():
    body = " ".join(FILLER + [PLANTED[0]])
    got = answer(f"Summarize the following text:\n{body}")
    assert all(q in body for q in re.findall(r"\u201c(.+?)\u201d", got)) and "\u201c" in got


def test_uploaded_file_is_read_through_the_sdk(client):
    text, planted = planted_doc(FILLER[:4], 2, 2)
    upload = client.files.upload(
        file=io.BytesIO(text.encode()), config={"mime_type": "text/plain", "display_name": "tour.txt"}
    )
    for _ in range(50):
        if client.files.get(name=upload.name).state.name == "ACTIVE":
            break
        import time

        time.sleep(0.1)
    result = client.interactions.create(
        model="gemini-3-flash-preview",
        input=[
            {"type": "text", "text": QUESTIONS[2]},
            {"type": "document", "uri": upload.uri, "mime_type": "text/plain"},
        ],
    )
    assert planted in result.output_text and "tour.txt" in result.output_text


def test_inline_pdf_through_the_sdk(client):
    pdf = make_pdf(["Quarterly results", PLANTED[3], FILLER[0]])
    result = client.interactions.create(
        model="gemini-3-flash-preview",
        input=[
            {"type": "text", "text": "Summarize this PDF."},
            {"type": "document", "data": b64(pdf), "mime_type": "application/pdf"},
        ],
    )
    assert PLANTED[3] in result.output_text and "1 page" in result.output_text


@pytest.mark.parametrize("mime", ["image/png", "audio/wav"])
def test_non_text_media_are_not_read(mime):
    assert attachments.read_part({"type": "image", "data": "AAAA"}, {"mime_type": mime}, None) is None


def test_unrelated_follow_ups_do_not_reread_the_document():
    first = make_ctx("Here is my report.", parts=[doc_part(" ".join(FILLER))])
    history = [first.input_steps[0], model("ok")]
    got = answer("Write a python function that reverses a string", history=history)
    assert "```python" in got and "\u201c" not in got


@given(st.binary(max_size=300), st.booleans())
@settings(max_examples=200, deadline=None)
def test_pdf_extractor_never_crashes_on_garbage(junk, compress):
    plain = b"BT (" + junk + b") Tj [(" + junk + b")] TJ ET"
    body = zlib.compress(b"BT " + junk + b" ET") if compress else plain
    pdf = b"%PDF-1.4\n1 0 obj << /Length 9 /Filter /FlateDecode >>\nstream\n" + body + b"\nendstream\n"
    assert isinstance(extract_text(pdf), str)
    assert isinstance(extract_text(b"%PDF-1.4\n<< >>stream\n" + junk + b"\nendstream"), str)
