"""The default brain: skills tried in order, then thinking and usage applied to the winner.

Adding a capability = a skill class with ``respond(ctx) -> Reply | None`` appended to
``default_skills()`` at the right priority. The text skill is always last and always answers.
"""

from __future__ import annotations

from typing import Any

from . import thinking, usage
from .base import Reply, Skill, TurnContext
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
    """A :class:`~.base.Brain` made of skills; ``extra`` skills run before the defaults."""

    def __init__(self, skills: list[Skill] | None = None, extra: list[Any] | None = None):
        self.skills = list(extra or []) + (skills if skills is not None else default_skills())

    def respond(self, ctx: TurnContext) -> Reply:
        reply: Reply | None = None
        for skill in self.skills:
            reply = skill.respond(ctx)
            if reply is not None:
                break
        if reply is None:
            reply = TextSkill().respond(ctx)
        thought_tokens = 0
        if reply.status != "failed":
            reply, thought_tokens = thinking.add_thoughts(ctx, reply)
        if reply.usage is None:
            reply.usage = usage.compute(ctx, reply, thought_tokens)
        return reply


def default_brain() -> PipelineBrain:
    return PipelineBrain()
