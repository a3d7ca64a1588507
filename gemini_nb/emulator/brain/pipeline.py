"""The default brain: skills tried in order, then thinking and usage applied to the winner.

Adding a capability = a skill class with ``respond(ctx) -> Reply | None`` appended to
``default_skills()`` at the right priority. The text skill is always last and always answers.
"""
from __future__ import annotations

from typing import Any

from . import thinking, usage
from .base import Reply, Skill, TurnContext
from .text import TextSkill


def default_skills() -> list[Skill]:
    """Skills in priority order. Each block below is owned by one module; keep the order."""
    skills: list[Skill] = []
    # 1. scenarios (scripted exact answers) -- scenarios.py
    from ..scenarios import ScenarioSkill
    skills.append(ScenarioSkill())
    # 2. agents (deep research, ...) -- agents.py
    from .agents import AgentSkill
    skills.append(AgentSkill())
    # 3. function calling -- function_skill.py
    from .function_skill import FunctionSkill
    skills.append(FunctionSkill())
    # 4. built-in tools (google_search, code_execution, ...) -- builtin_tools.py
    from .builtin_tools import BuiltinToolsSkill
    skills.append(BuiltinToolsSkill())
    # 5. media output (images, speech) -- media_skill.py
    from .media_skill import MediaSkill
    skills.append(MediaSkill())
    # 5b. questions about the chain's research report -- report_followup.py
    from .report_followup import ReportFollowUpSkill
    skills.append(ReportFollowUpSkill())
    # 6. structured output (response_format JSON schema) -- structured_skill.py
    from .structured_skill import StructuredSkill
    skills.append(StructuredSkill())
    # 7. generic text (always answers; also describes multimodal input)
    skills.append(TextSkill())
    return skills


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
