"""What every capability's command-line module shares: the command type, argument types and
the one error for an argument the operator has to correct."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any

from bot.core.config import Config
from bot.core.numbers import parse_number
from bot.core.timeparse import parse_day
from storage.models import ActivityGroup

Namespace = argparse.Namespace
Subcommands = argparse._SubParsersAction  # what add_subparsers() returns
# A subcommand: given the config and the parsed arguments, returns the exit status.
Command = Callable[[Config, Namespace], Coroutine[Any, Any, int]]
# How a command asks the operator a yes/no question: the question in, the answer out.
Ask = Callable[[str], str]


class UsageError(ValueError):
    """An argument the operator has to correct; the message says what, in one line."""


def day_argument(text: str) -> date:
    """argparse's type for a day argument (see parse_day)."""
    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-31")
    return day


def groups_named(names: str, groups: list[ActivityGroup]) -> tuple[int, ...]:
    """The ids of the groups named in `names` ("G1,G2", or "all"/"全部")."""
    wanted = [n.strip() for n in names.replace("，", ",").split(",") if n.strip()]
    if wanted in (["all"], ["全部"]):
        return tuple(g.id for g in groups)
    by_name = {g.name: g.id for g in groups}
    unknown = [n for n in wanted if n not in by_name]
    if unknown or not wanted:
        known = ", ".join(by_name) or "none: import the roster first"
        raise UsageError(f"unknown group {', '.join(unknown) or '(none)'} (known: {known})")
    return tuple(by_name[n] for n in wanted)


def number_argument(text: str) -> int:
    """argparse's type for a number argument such as an event's (see parse_number)."""
    number = parse_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number like 12")
    return number


def confirmation(yes: bool) -> Ask:
    """How a command asks before a change: with --yes the answer is yes (and is printed); at a
    terminal the operator is asked; from a script or a pipe, where no one can answer, the
    answer is no, and the operator is told to add --yes."""
    if yes:
        def answer_yes(question: str) -> str:
            print(question + "yes (--yes)")
            return "yes"

        return answer_yes
    if sys.stdin.isatty():
        return input

    def answer_no(question: str) -> str:
        print(question + "no (not a terminal: add --yes to confirm)")
        return "no"

    return answer_no


def confirmed(answer: str) -> bool:
    """Whether the operator's answer is yes."""
    return answer.strip().lower() in ("y", "yes", "是")
