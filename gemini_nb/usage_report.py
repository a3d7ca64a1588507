"""``%gemini usage`` / ``gemini_nb.usage()``: tokens per turn and per model, optional cost, a chart.

Two sources, kept apart because they answer different questions:

* **this kernel**: the turns of the session's chain (every thread), one row per turn, from the
  results the kernel holds (``InteractionResult.usage``);
* **the history DB** (:mod:`gemini_nb.history`, every session that logged to it): summed per
  model from each row's usage JSON.

Prices are never hard-coded (they change, and differ per tier): ``%config GeminiMagics.prices =
{"gemini-3-flash-preview": {"input": 0.5, "output": 3.0, "cached": 0.05}}`` gives USD per 1M
tokens; thought tokens are billed as output, cached input at ``cached`` (default: ``input``).
A model without a price gets empty cost cells, and the report says which.

pandas and matplotlib are imported when a report is made; the chart uses matplotlib's Agg
canvas directly (no pyplot, no global backend switch) and is a PNG.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from typing import Any

TOKEN_COLUMNS = ("input_tokens", "output_tokens", "thought_tokens", "cached_tokens", "total_tokens")
PRICE_KEYS = ("input", "output", "cached")
COST_COLUMNS = ("input_cost", "output_cost", "cost")


class PriceError(ValueError):
    """A malformed price table (one line)."""


def check_prices(prices: Any) -> dict[str, dict[str, float]]:
    """The price table, validated: ``{model: {"input": x, "output": y[, "cached": z]}}`` in USD
    per 1M tokens, non-negative numbers; raises :class:`PriceError` naming the bad entry."""
    if prices is None:
        return {}
    if not isinstance(prices, dict):
        raise PriceError(
            f"prices must be a dict of model -> {{'input': USD, 'output': USD}} per 1M tokens, "
            f"got {type(prices).__name__}"
        )
    table: dict[str, dict[str, float]] = {}
    for model, entry in prices.items():
        if not isinstance(entry, dict):
            raise PriceError(f"prices[{model!r}] must be a dict like {{'input': 0.5, 'output': 3.0}}")
        unknown = [k for k in entry if k not in PRICE_KEYS]
        if unknown:
            raise PriceError(
                f"prices[{model!r}]: unknown key {unknown[0]!r} (known: {', '.join(PRICE_KEYS)})"
            )
        missing = [k for k in ("input", "output") if k not in entry]
        if missing:
            raise PriceError(f"prices[{model!r}] needs {missing[0]!r} (USD per 1M tokens)")
        row = {}
        for key, value in entry.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value < 0
            ):
                raise PriceError(f"prices[{model!r}][{key!r}] must be a non-negative number, got {value!r}")
            row[key] = float(value)
        table[str(model)] = row
    return table


def costs(model: str | None, tokens: dict[str, int], prices: dict[str, dict[str, float]]) -> dict[str, float]:
    """The cost columns of one row (NaN where the model has no price)."""
    price = prices.get(model or "")
    if price is None:
        return {name: math.nan for name in COST_COLUMNS}
    cached = tokens.get("cached_tokens", 0)
    fresh = max(tokens.get("input_tokens", 0) - cached, 0)
    input_cost = (fresh * price["input"] + cached * price.get("cached", price["input"])) / 1e6
    output_cost = (tokens.get("output_tokens", 0) + tokens.get("thought_tokens", 0)) * price["output"] / 1e6
    return {"input_cost": input_cost, "output_cost": output_cost, "cost": input_cost + output_cost}


def kernel_rows(session: Any) -> list[dict[str, Any]]:
    """One row per turn this kernel recorded in its chain (every thread), oldest first."""
    rows = []
    turns = sorted(session.chain.turns.values(), key=lambda t: t.created)
    for turn in turns:
        result = turn.result
        if result is None:
            continue
        tokens = result.usage.as_dict()
        rows.append(
            {
                "turn": len(rows) + 1,
                "interaction_id": turn.id,
                "thread": turn.thread,
                "model": result.model or turn.model,
                "cell": turn.execution_count,
                **tokens,
            }
        )
    return rows


def history_rows(history: Any) -> list[dict[str, Any]]:
    """Token counts per logged turn of the history DB (rows without usage are skipped)."""
    rows = []
    for row in history.rows():
        try:
            usage = json.loads(row.get("usage") or "null")
        except ValueError:
            usage = None
        if not isinstance(usage, dict):
            continue
        rows.append(
            {
                "model": row.get("model") or "?",
                "session": row.get("session"),
                **{c: int(usage.get(c) or 0) for c in TOKEN_COLUMNS},
            }
        )
    return rows


def per_model(rows: list[dict[str, Any]], prices: dict[str, dict[str, float]]):
    """Rows summed per model: ``turns`` plus the token columns (and costs with prices)."""
    import pandas as pd

    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        model = row.get("model") or "?"
        total = totals.setdefault(model, {"model": model, "turns": 0, **{c: 0 for c in TOKEN_COLUMNS}})
        total["turns"] += 1
        for column in TOKEN_COLUMNS:
            total[column] += int(row.get(column) or 0)
    out = list(totals.values())
    if prices:
        for total in out:
            total.update(costs(total["model"], total, prices))
    columns = ["model", "turns", *TOKEN_COLUMNS, *(COST_COLUMNS if prices else ())]
    return pd.DataFrame(out, columns=columns)


class UsageReport:
    """What ``usage()`` returns: ``turns`` (this kernel, per turn), ``models`` (this kernel, per
    model), ``history`` (the history DB, per model), ``chart`` (PNG bytes or None), ``notes``."""

    def __init__(self, turns: Any, models: Any, history: Any, chart: bytes | None, notes: list[str]):
        self.turns, self.models, self.history, self.chart, self.notes = turns, models, history, chart, notes

    def _has_history(self) -> bool:
        return self.history is not None and len(self.history) > 0

    def _tables_html(self) -> str:
        parts = [
            "<h4>Token usage: this kernel, per turn</h4>",
            self.turns.to_html(index=False, na_rep="") if len(self.turns) else "<p>no turns yet</p>",
            "<h4>This kernel, per model</h4>",
            self.models.to_html(index=False, na_rep="") if len(self.models) else "<p>—</p>",
            "<h4>History database, per model</h4>",
            self.history.to_html(index=False, na_rep="") if self._has_history() else "<p>—</p>",
        ]
        parts += [f"<p><small>{html.escape(note)}</small></p>" for note in self.notes]
        return "\n".join(parts)

    def __repr__(self) -> str:
        blocks = [
            "Token usage, this kernel per turn:",
            self.turns.to_string(index=False) if len(self.turns) else "  (no turns yet)",
            "This kernel per model:",
            self.models.to_string(index=False) if len(self.models) else "  -",
            "History database per model:",
            self.history.to_string(index=False) if self._has_history() else "  -",
        ]
        return "\n".join(blocks + self.notes)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """One output (tables, then the chart inline): for front ends that take a single bundle."""
        markup = self._tables_html()
        if self.chart:
            src = "data:image/png;base64," + base64.b64encode(self.chart).decode("ascii")
            markup += f'\n<img src="{src}" alt="token usage chart"/>'
        return {"text/html": markup, "text/plain": repr(self)}

    def _ipython_display_(self) -> None:
        """In IPython: the tables, then the chart as its own ``image/png`` output."""
        from IPython.display import display

        display({"text/html": self._tables_html(), "text/plain": repr(self)}, raw=True)
        if self.chart:
            display(
                {
                    "image/png": base64.b64encode(self.chart).decode("ascii"),
                    "text/plain": "<token usage chart>",
                },
                raw=True,
            )


def chart_png(turns: list[dict[str, Any]], history: list[dict[str, Any]]) -> bytes | None:
    """Stacked bars: tokens per turn of this kernel, and per model in the history DB."""
    if not turns and not history:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6), dpi=90)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    kinds = (
        ("fresh input", "#8ab4f8"),
        ("cached input", "#c6dafc"),
        ("output", "#34a853"),
        ("thoughts", "#fbbc04"),
    )

    def stack(ax, labels, rows, title):
        bottom = [0] * len(rows)
        for (name, color), key in zip(kinds, ("fresh", "cached_tokens", "output_tokens", "thought_tokens")):
            values = [
                max(r["input_tokens"] - r["cached_tokens"], 0) if key == "fresh" else r[key] for r in rows
            ]
            ax.bar(labels, values, bottom=bottom, color=color, label=name)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("tokens")
        ax.tick_params(axis="x", labelsize=8, labelrotation=30)

    if turns:
        stack(axes[0], [str(r["turn"]) for r in turns], turns, "this kernel, per turn")
    else:
        axes[0].set_title("this kernel: no turns yet", fontsize=10)
    models: dict[str, dict[str, int]] = {}
    for row in history:
        total = models.setdefault(row["model"], {c: 0 for c in TOKEN_COLUMNS})
        for column in TOKEN_COLUMNS:
            total[column] += row[column]
    if models:
        stack(axes[1], list(models), list(models.values()), "history DB, per model")
    else:
        axes[1].set_title("history DB: no rows", fontsize=10)
    (axes[0] if turns else axes[1]).legend(fontsize=8)  # on a panel that has bars
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def usage(
    session: Any = None, *, history: bool = True, chart: bool = True, prices: dict[str, Any] | None = None
) -> UsageReport:
    """Token usage of this kernel (per turn, per model) and of the history DB (per model).

    ``prices`` (USD per 1M tokens per model) defaults to ``%config GeminiMagics.prices``;
    raises :class:`PriceError` (one line) for a malformed table.
    """
    import pandas as pd

    from . import api

    if session is None:
        session = api.default_session()
        api._sync_settings(session)
    table = check_prices(session.settings.prices if prices is None else prices)
    notes: list[str] = []
    turns = kernel_rows(session)
    if table:
        for row in turns:
            row.update(costs(row["model"], row, table))
    columns = [
        "turn",
        "interaction_id",
        "thread",
        "model",
        "cell",
        *TOKEN_COLUMNS,
        *(COST_COLUMNS if table else ()),
    ]
    turns_frame = pd.DataFrame(turns, columns=columns)
    turns_frame["cell"] = turns_frame["cell"].astype("Int64")  # a missing cell number is <NA>, not 4.0
    logged: list[dict[str, Any]] = []
    history_frame = None
    if history:
        try:
            log = session.history()
            if log is None:
                notes.append("history is off (%config GeminiMagics.history = True to log turns)")
            else:
                logged = history_rows(log)
                history_frame = per_model(logged, table)
        except Exception as exc:  # an unreadable DB: the kernel's figures still show
            notes.append(f"cannot read the history database: {type(exc).__name__}: {exc}")
    if table:
        seen = {r["model"] for r in turns} | {r["model"] for r in logged}
        unpriced = sorted(m for m in seen if m not in table)
        if unpriced:
            notes.append(f"no price for {', '.join(unpriced)}: cost left empty (%config GeminiMagics.prices)")
        notes.append(
            "costs in USD from %config GeminiMagics.prices (per 1M tokens; thoughts billed as output)"
        )
    png = chart_png(turns, logged) if chart else None
    return UsageReport(turns_frame, per_model(turns, table), history_frame, png, notes)


def usage_command(magics: Any, rest: str) -> Any:
    """``%gemini usage``: the report for the kernel's session (one-line errors)."""
    from IPython.core.error import UsageError

    if rest:
        raise UsageError(
            "%gemini usage takes no argument (to send a prompt starting with 'usage': %gemini -- usage ...)"
        )
    session = magics.session
    session.settings = magics.to_settings()
    try:
        return usage(session)
    except PriceError as exc:
        raise UsageError(f"%config GeminiMagics.prices: {exc}") from None
