"""The payloads of every inline button, as typed callback data (see bot/callbacks.py)."""

from __future__ import annotations

from typing import Literal

from bot.callbacks import CallbackData


class BindGroupChoice(CallbackData):
    """/bindgroup: this chat is the chat of activity group `group_id`."""

    PREFIX = "bg"
    group_id: int


class LanguageChoice(CallbackData):
    """/lang: answer me in this language."""

    PREFIX = "lang"
    language: Literal["zh", "en"]
