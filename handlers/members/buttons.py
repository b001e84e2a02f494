"""The members' inline buttons (binding or rebinding a group chat, language) as typed callback
data."""

from __future__ import annotations

from typing import Literal

from bot.telegram.callbacks import CallbackData


class BindGroupChoice(CallbackData):
    """/bindgroup: this chat is the chat of activity group `group_id`."""

    PREFIX = "bg"
    group_id: int


class RebindAnswer(CallbackData):
    """/bindgroup in a chat bound to group `replacing`: staff's answer to "bind it to group
    `group_id` instead?" (checked against the chat's binding when pressed)."""

    PREFIX = "bgr"
    group_id: int
    replacing: int
    answer: Literal["yes", "no"]


class LanguageChoice(CallbackData):
    """/lang: answer me in this language."""

    PREFIX = "lang"
    language: Literal["zh", "en"]
