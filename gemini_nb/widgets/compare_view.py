"""The side-by-side display of a comparison: one column per variant.

A grid (ipywidgets ``GridBox``) of columns, each a header (variant, latency, tokens, or the
error) over the answer rendered by the cells' renderer (``result_bundle`` in an ``Output``),
so markdown, thoughts, images and audio look as they do in a cell. The same object's bundle
carries an HTML table and a text table too: front ends without widgets (nbconvert, GitHub,
a terminal) show those instead. ipywidgets is imported only when the grid is built.
"""

from __future__ import annotations

import html
from typing import Any

from ..render.bundle import result_bundle


def _header(row: Any) -> str:
    if row["error"] and not row["text"]:
        figures = "error"
    else:
        latency = f"{row['latency_s']:.2f} s" if row["latency_s"] is not None else "—"
        figures = (
            f"{latency} · {row['input_tokens']} in / {row['output_tokens']} out / "
            f"{row['thought_tokens']} thought tokens"
        )
    return f"{row['variant']} — {figures}"


class CompareView:
    """``frame`` (the comparison's DataFrame) and ``results`` (InteractionResult or None each)."""

    def __init__(self, frame: Any, results: list[Any]):
        self.frame, self.results = frame, results

    def rows(self) -> list[Any]:
        return [row for _, row in self.frame.iterrows()]

    def widget(self) -> Any:
        import ipywidgets as w

        columns = []
        for row, result in zip(self.rows(), self.results):
            head = w.HTML(
                f"<b>{html.escape(str(row['variant']))}</b><br><small>"
                f"{html.escape(_header(row).split(' — ', 1)[1])}</small>"
            )
            parts = [head]
            if result is not None:
                data, metadata = result_bundle(result)
                out = w.Output()
                out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)
                parts.append(out)
            if row["error"]:
                parts.append(w.HTML(f'<div style="color:#b00">{html.escape(str(row["error"]))}</div>'))
            column = w.VBox(parts, layout=w.Layout(border="1px solid #ddd", padding="4px", overflow="auto"))
            column.add_class("gnb-compare-column")
            columns.append(column)
        grid = w.GridBox(
            columns,
            layout=w.Layout(
                grid_template_columns=f"repeat({len(columns)}, minmax(0, 1fr))", grid_gap="8px", width="100%"
            ),
        )
        grid.add_class("gnb-compare")
        return grid

    def html(self) -> str:
        heads = "".join(f"<th>{html.escape(_header(row))}</th>" for row in self.rows())
        cells = "".join(
            '<td style="vertical-align:top;text-align:left"><pre style="white-space:pre-wrap">'
            f"{html.escape(str(row['text'] or row['error'] or ''))}</pre></td>"
            for row in self.rows()
        )
        return f'<table class="gnb-compare-table"><tr>{heads}</tr><tr>{cells}</tr></table>'

    def text(self) -> str:
        blocks = []
        for row in self.rows():
            body = row["text"] or f"[error] {row['error']}"
            blocks.append(f"== {_header(row)}\n{body}")
        return "\n\n".join(blocks)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        data: dict[str, Any] = {}
        try:
            bundle = self.widget()._repr_mimebundle_(include=include, exclude=exclude) or {}
            data.update(bundle[0] if isinstance(bundle, tuple) else bundle)
        except ImportError:  # no ipywidgets: the table alone
            pass
        data["text/html"] = self.html()
        data["text/plain"] = self.text()
        return data

    def __repr__(self) -> str:
        return self.text()
