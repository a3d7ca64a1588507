"""The default brain: skills tried in order, then thinking and usage applied to the winner.

Adding a capability = a skill class with ``respond(ctx) -> Reply | None`` appended to
``default_skills()`` at the right priority. The text skill is always last and always answers.
"""

from __future__ import annotations

from typing import Any

from . import thinking, usage
from .base import Reply, Skill, TurnContext
from .memo import ReplyMemo
from .skills.text import TextSkill


def default_skills() -> list[Skill]:
    """Skills in priority order: the one place that says which skill answers what.

    Each skill lives in ``skills/``; what they share (generators, readers, the sandbox) lives in
    ``lib/``. The first skill that returns a reply wins; the text skill always answers.
    """
    from ..scenarios import ScenarioSkill
    from .skills.agents import AgentSkill
    from .skills.builtin_tools import BuiltinToolsSkill
    from .skills.functions import FunctionSkill
    from .skills.media import MediaSkill
    from .skills.report_followup import ReportFollowUpSkill
    from .skills.structured import StructuredSkill

    return [
        ScenarioSkill(),  # 1. scripted exact answers (scenarios.py)
        AgentSkill(),  # 2. agents: Deep Research, Antigravity, custom agents
        FunctionSkill(),  # 3. client-side function calling
        BuiltinToolsSkill(),  # 4. built-in tools (search, code execution, URLs, MCP, maps, ...)
        MediaSkill(),  # 5. media output: images, speech
        ReportFollowUpSkill(),  # 6. questions about the chain's research report
        StructuredSkill(),  # 7. structured output (response_format JSON schema)
        TextSkill(),  # 8. generic text; always answers (also reads attachments)
    ]


class PipelineBrain:
    """A :class:`~.base.Brain` made of skills; ``extra`` skills run before the defaults.

    With the default skills, a turn the text skill answered is remembered under
    ``ctx.memo_key`` when the emulator set one (see :mod:`.memo`); an identical turn is then
    answered from the memo, after the scenario book has had its say (it can change at any
    time). A brain whose skill list differs from the defaults (``extra``, or edited later)
    never uses the memo: a skill of its own may not be deterministic.
    """

    def __init__(self, skills: list[Skill] | None = None, extra: list[Any] | None = None):
        self.skills = list(extra or []) + (skills if skills is not None else default_skills())
        self._defaults = list(self.skills) if skills is None and not extra else None
        self._scenario_skills = self._readers_of_the_book(self._defaults or [])
        """The default skills that read the scenario book (the memo's path runs only while the
        skills are the defaults)."""
        self.memo = ReplyMemo()

    def respond(self, ctx: TurnContext) -> Reply:
        key = ctx.memo_key if self._defaults is not None and self.skills == self._defaults else None
        if key is not None:
            scripted = self._scripted(ctx)
            if scripted is not None:
                return self._finish(ctx, scripted)
            remembered = self.memo.get(key)
            if remembered is not None:
                return remembered
        reply: Reply | None = None
        winner: Any = None
        for skill in self.skills:
            reply = skill.respond(ctx)
            if reply is not None:
                winner = skill
                break
        if reply is None:
            reply = TextSkill().respond(ctx)
            winner = None
        reply = self._finish(ctx, reply)
        if key is not None and type(winner) is TextSkill:
            self.memo.put(key, reply)
        return reply

    def remembered(self, key: bytes) -> bytes | None:
        """The memo's blob for ``key`` when :meth:`respond` would answer from it: the skills
        are the defaults and no scenario is in their book (see :func:`.base.remembered`)."""
        if self._defaults is None or self.skills != self._defaults:
            return None
        if any(skill.book.items for skill in self._scenario_skills):
            return None
        return self.memo.peek(key)

    @staticmethod
    def _readers_of_the_book(skills: list[Any]) -> list[Any]:
        from ..scenarios import ScenarioSkill

        return [skill for skill in skills if isinstance(skill, ScenarioSkill)]

    def _scripted(self, ctx: TurnContext) -> Reply | None:
        """A scenario's answer from the skills that read the (editable) scenario book."""
        for skill in self._scenario_skills:
            reply = skill.respond(ctx)
            if reply is not None:
                return reply
        return None

    @staticmethod
    def _finish(ctx: TurnContext, reply: Reply) -> Reply:
        thought_tokens = 0
        if reply.status != "failed":
            reply, thought_tokens = thinking.add_thoughts(ctx, reply)
        if reply.usage is None:
            reply.usage = usage.compute(ctx, reply, thought_tokens)
        return reply

    def clear_memo(self) -> None:
        self.memo.clear()


def default_brain() -> PipelineBrain:
    return PipelineBrain()
