"""The inline buttons of proposal windows (提案征集) as typed callback data."""

from __future__ import annotations

from typing import Literal

from bot.telegram.callbacks import CallbackData


class ProposalFiled(CallbackData):
    """已提交N件: member `member_id` filed `count` proposals in window `window_id` (0: 其他,
    ask for the number)."""

    PREFIX = "pfl"
    window_id: int
    member_id: int
    count: int


ProposalDraftAction = Literal[
    "opens",  # the opening day is `value` (ISO)
    "deadline",  # the deadline is `value` (ISO)
    "publish",  # 发布
    "discard",  # 删除
]


class ProposalDraftChoice(CallbackData):
    """/proposals new: a choice in the guided conversation (checked against its step)."""

    PREFIX = "pnw"
    action: ProposalDraftAction
    value: str | None = None


class ProposalMissing(CallbackData):
    """Staff: who has not filed in window `window_id`, by group."""

    PREFIX = "pms"
    window_id: int
