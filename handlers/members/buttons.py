"""The members' inline buttons (binding a group chat, language) as typed callback data."""

from __future__ import annotations

from typing import Literal

from bot.telegram.callbacks import CallbackData


class BindGroupChoice(CallbackData):
    """/bindgroup: this chat is the chat of activity group `group_id`."""

    PREFIX = "bg"
    group_id: int


class LanguageChoice(CallbackData):
    """/lang: answer me in this language."""

    PREFIX = "lang"
    language: Literal["zh", "en"]
