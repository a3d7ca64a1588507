"""``gemini_nb.compare(prompt, models=[...])`` and ``%%gemini --compare m1,m2``: one prompt, several
models or settings, run concurrently, shown side by side, returned as a DataFrame.

Why one-off turns: a comparison is a question put to several models at once, not a step of
the conversation; each variant runs on its own throw-away session (like ``gemini_nb.ask``), so
the kernel's chain never moves and no variant sees another's answer. The turns are logged to
the history DB like any other (so ``%gemini usage`` counts them).

Concurrency is a thread per variant (the SDK client is thread-safe; each variant has its own
session and client); an error in one variant is that row's ``error`` and never sinks the rest.
The display (:mod:`gemini_nb.widgets.compare_view`) is a grid of columns rendered by the cells'
renderer, with an HTML table as the fallback.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

MAX_VARIANTS = 8
CHAIN_OPTIONS = ("from_", "from_ref", "thread", "new", "stream", "quiet", "execution_count")
"""Options that make no sense for a one-off comparison (refused, never silently dropped)."""
COLUMNS = (
    "variant",
    "model",
    "settings",
    "text",
    "latency_s",
    "input_tokens",
    "output_tokens",
    "thought_tokens",
    "interaction_id",
    "status",
    "error",
)


class CompareError(ValueError):
    """A bad comparison request (one line; nothing was sent)."""


@dataclass
class Variant:
    label: str
    options: dict[str, Any] = field(default_factory=dict)


def variants(
    models: Any = None,
    settings: Any = None,
    common: dict[str, Any] | None = None,
    default_model: str | None = None,
) -> list[Variant]:
    """The variants to run: each model, each settings dict, or every model x settings pair."""
    if isinstance(models, str):
        models = [models]
    models = [str(m).strip() for m in (models or [])]
    if any(not m for m in models):
        raise CompareError("compare: an empty model name in models")
    settings = list(settings or [])
    for i, item in enumerate(settings):
        if not isinstance(item, dict):
            raise CompareError(
                f"compare: settings[{i}] must be a dict of options, e.g. {{'thinking': 'high'}}"
            )
    common = dict(common or {})
    pairs = (
        [(m, s) for m in models for s in settings]
        if models and settings
        else [(m, {}) for m in models]
        if models
        else [(None, s) for s in settings]
    )
    if len(pairs) < 2:
        raise CompareError("compare needs two or more variants: models=[...] and/or settings=[{...}, ...]")
    if len(pairs) > MAX_VARIANTS:
        raise CompareError(f"compare runs at most {MAX_VARIANTS} variants at once (got {len(pairs)})")
    out: list[Variant] = []
    seen: dict[str, int] = {}
    for model, setting in pairs:
        refused = [k for k in (*common, *setting) if k in CHAIN_OPTIONS]
        if refused:
            raise CompareError(
                f"compare: {refused[0]!r} does not apply (compare runs are one-off turns: "
                "they neither continue nor move the chain, and do not stream)"
            )
        options = {**common, **setting}
        if model:
            options["model"] = model
        name = options.get("agent") or options.get("model") or default_model or "default model"
        extra = ", ".join(f"{k}={v}" for k, v in setting.items() if k != "model")
        label = f"{name} · {extra}" if extra else str(name)
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} #{seen[label]}"
        out.append(Variant(label, options))
    return out


def _one(base: Any, prompt: str, variant: Variant) -> tuple[dict[str, Any], Any]:
    from .api import Session
    from .errors import GeminiError

    session = Session(base.settings, backend=base.backend_choice, keeps_chain=False)
    row = {
        "variant": variant.label,
        "model": variant.options.get("model") or variant.options.get("agent") or base.settings.model,
        "settings": {k: v for k, v in variant.options.items() if k != "model"},
        "text": "",
        "latency_s": None,
        "input_tokens": 0,
        "output_tokens": 0,
        "thought_tokens": 0,
        "interaction_id": None,
        "status": "error",
        "error": None,
    }
    started = time.monotonic()
    result = None
    try:
        result = session.ask(prompt, new=True, stream=False, **variant.options)
    except GeminiError as exc:
        row["error"] = str(exc)
        result = exc.partial
    except Exception as exc:  # an option the request refuses: that variant's one line
        row["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        log = session._history  # this throw-away session's own connection to the history DB
        if log is not None:
            log.close()
    if result is not None:
        usage = result.usage
        row.update(
            text=result.text,
            latency_s=result.latency,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            thought_tokens=usage.thought_tokens,
            interaction_id=result.id,
            status=result.status,
            model=result.model or row["model"],
        )
    if row["latency_s"] is None:
        row["latency_s"] = time.monotonic() - started
    return row, result


def run(prompt: str, variant_list: list[Variant], session: Any = None):
    """Run every variant concurrently; returns ``(DataFrame, results)`` in variant order."""
    import pandas as pd

    from . import api

    if not str(prompt or "").strip():
        raise CompareError("compare: empty prompt")
    base = session or api.default_session()
    for variant in variant_list:  # an unknown option is one error before anything is sent
        try:
            base.options(**variant.options)
        except TypeError as exc:
            raise CompareError(f"compare: {exc}") from None
    base.backend()  # a bad backend is one error here, not one per variant
    for notice in base.pop_notices():
        print(notice)
    with ThreadPoolExecutor(max_workers=len(variant_list), thread_name_prefix="gemini-compare") as pool:
        outcomes = list(pool.map(lambda v: _one(base, prompt, v), variant_list))
    frame = pd.DataFrame([row for row, _ in outcomes], columns=list(COLUMNS))
    return frame, [result for _, result in outcomes]


def compare(
    prompt: str,
    models: Any = None,
    *,
    settings: Any = None,
    show: bool = True,
    session: Any = None,
    **options: Any,
):
    """Ask ``prompt`` of each model (and/or each settings dict) at once; returns a DataFrame
    (variant, model, settings, text, latency_s, input/output/thought tokens, interaction_id,
    status, error). ``options`` (``thinking``, ``system``, ``temperature``...) apply to every
    variant. Shown side by side in a notebook (``show=False``: not shown). The kernel's chain
    does not move.
    """
    from . import api

    if session is None:
        api._sync_settings(api.default_session())
    base = session or api.default_session()
    frame, results = run(prompt, variants(models, settings, options, base.settings.model), base)
    if show and api.in_kernel():
        from IPython.display import display

        from .widgets.compare_view import CompareView

        display(CompareView(frame, results))
    return frame


def magic_compare(shell: Any, session: Any, prompt: str, parsed: Any) -> Any:
    """``%%gemini --compare m1,m2[,m3]``: the view is the cell's value, ``-o VAR`` the DataFrame."""
    from IPython.core.error import UsageError

    opts = parsed.turn
    models = parsed.compare
    refused = [
        flag
        for flag, given in (
            ("-m/--model", opts.model),
            ("--agent", opts.agent),
            ("--from", opts.from_ref),
            ("--thread", opts.thread),
            ("--stream", opts.stream),
        )
        if given
    ]
    if refused:
        raise UsageError(
            f"{refused[0]} cannot be used with --compare (the models come from --compare; "
            "compare runs are one-off turns that neither continue nor move the chain, and do "
            "not stream)"
        )
    common = {
        name: value
        for name, value in (
            ("system", opts.system),
            ("thinking", opts.thinking),
            ("thoughts", opts.thoughts),
            ("temperature", opts.temperature),
            ("max_tokens", opts.max_tokens),
            ("tools", opts.tools),
            ("raw", opts.raw or None),
            ("store", None if opts.store else False),
            ("generation_config", opts.generation_config or None),
        )
        if value is not None
    }
    if not prompt.strip():
        raise UsageError("empty prompt: write it in the cell body")
    from .errors import GeminiError

    try:
        frame, results = run(prompt, variants(models, None, common, session.settings.model), session)
    except (CompareError, GeminiError) as exc:
        raise UsageError(str(exc)) from None
    from .widgets.compare_view import CompareView

    if parsed.out:
        shell.user_ns[parsed.out] = frame
    return None if opts.quiet else CompareView(frame, results)
