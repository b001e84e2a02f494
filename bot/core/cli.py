"""What every capability's command-line module shares: the language it speaks, its parser,
the command type, argument types and the one error for an argument the operator has to
correct.

The command line speaks the office's language (zh-CN unless `[committee] language` or `--lang`
says en): every message, table header and help text is `say(key)` from the bot's catalogs,
and argparse's own words (用法, 选项, its errors) are taken from them too."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from bot.core.config import Config, ConfigError, load_config
from bot.core.numbers import parse_number
from bot.core.texts import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    columns,
    command_line_language,
    say,
    set_command_line_language,
)
from bot.core.timeparse import parse_day
from domain.models import ActivityGroup

Namespace = argparse.Namespace
Subcommands = argparse._SubParsersAction  # what add_subparsers() returns
# A subcommand: given the config and the parsed arguments, returns the exit status.
Command = Callable[[Config, Namespace], Coroutine[Any, Any, int]]
# How a command asks the operator a yes/no question: the question in, the answer out.
Ask = Callable[[str], str]


# argparse's own words (usage line, section titles, its errors) → catalog ids; argparse looks
# them up through its module's `_` and `ngettext`, which `speaking` points here.
_ARGPARSE_TEXTS = {
    "usage: ": "cli.usage",
    "positional arguments": "cli.positionals",
    "options": "cli.options",
    "show this help message and exit": "cli.help_help",
    "argument %(argument_name)s: %(message)s": "cli.bad_argument",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "cli.unknown_command",
    "can't open '%(filename)s': %(error)s": "cli.cannot_open",
    "unrecognized arguments: %s": "cli.unrecognized",
    "not allowed with argument %s": "cli.not_allowed_with",
    "ignored explicit argument %r": "cli.ignored_argument",
    "the following arguments are required: %s": "cli.required",
    "one of the arguments %s is required": "cli.one_required",
    "expected one argument": "cli.expected_one",
    "expected at most one argument": "cli.expected_at_most_one",
    "expected at least one argument": "cli.expected_at_least_one",
    "expected %s argument": "cli.expected_n",
    "expected %s arguments": "cli.expected_n",
    "ambiguous option: %(option)s could match %(matches)s": "cli.ambiguous_option",
    "invalid %(type)s value: %(value)r": "cli.invalid_value",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.invalid_choice",
    "%(prog)s: error: %(message)s\n": "cli.error",
}


def _argparse_text(message: str) -> str:
    key = _ARGPARSE_TEXTS.get(message)
    return say(key) if key else message


def _argparse_ntext(singular: str, plural: str, count: int) -> str:
    return _argparse_text(singular if count == 1 else plural)


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Everything the command line prints in `language`, argparse's own words included, until
    the block ends."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    previous = set_command_line_language(language)
    argparse._ = _argparse_text  # type: ignore[attr-defined]
    argparse.ngettext = _argparse_ntext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        set_command_line_language(previous)
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def language_of(argv: Sequence[str]) -> str:
    """The language of a command line: `--lang` anywhere in it, else the config's (the config
    named by `--config`, as the command itself will read it), else Chinese. A config that
    cannot be read yet is no reason to fail here: the command says why once it runs."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=LANGUAGES)
    early.add_argument("--config")
    known, _ = early.parse_known_args(argv)
    if known.lang:
        return str(known.lang)
    try:
        return load_config(known.config).committee.language
    except ConfigError:
        return DEFAULT_LANGUAGE


_WRAP_UNITS = re.compile(r"[!-~]+|\s+|.")  # a run of ASCII, blanks, or one other character
_NO_LINE_START = set("，。；：、！？）」』”’")  # Chinese punctuation stays on the line it closes


def wrap_columns(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` terminal columns (a CJK character takes two), broken
    between words or between CJK characters."""
    lines: list[str] = []
    line = ""
    for unit in _WRAP_UNITS.findall(" ".join(text.split())):
        if line and columns(line + unit.rstrip()) > width and unit not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = "" if unit.isspace() else unit
        else:
            line += unit
    return [*lines, line.rstrip()] if line.strip() else lines


class _Formatter(argparse.HelpFormatter):
    """argparse's help, wrapped by terminal columns (it counts characters)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_columns(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap_columns(text, width - len(indent)))


class Parser(argparse.ArgumentParser):
    """argparse's parser, in the command line's language; every subcommand, at every level,
    takes the common options, so `liaison-bot members list --config F` works as well as
    `liaison-bot --config F members list`. Below the top they default to nothing, so that a
    subcommand's parser does not overwrite what the top one read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        top = kwargs.get("prog") == "liaison-bot"
        default = None if top else argparse.SUPPRESS
        self.add_argument("--config", default=default, metavar="FILE",
                          help=say("cli.help_config"))
        self.add_argument("--lang", choices=LANGUAGES, default=default,
                          help=say("cli.help_lang"))
        self.add_argument("-v", "--verbose", action="store_true",
                          default=False if top else argparse.SUPPRESS,
                          help=say("cli.help_verbose"))


    def format_help(self) -> str:
        """argparse's help, its section titles ended as the language ends them (选项：)."""
        return re.sub(r"^(\S[^\n]*):$", lambda m: m.group(1) + say("cli.heading_end"),
                      super().format_help(), flags=re.MULTILINE)


def local_minute(moment: datetime, zone: tzinfo) -> str:
    """A moment as the office reads it: to the minute, in the committee's zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


class UsageError(ValueError):
    """An argument the operator has to correct; the message says what, in one line."""


def day_argument(text: str) -> date:
    """argparse's type for a day argument (see parse_day)."""
    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(say("cli.not_a_date", text=text))
    return day


def groups_named(names: str, groups: list[ActivityGroup]) -> tuple[int, ...]:
    """The ids of the groups named in `names` ("G1,G2", or "all"/"全部")."""
    wanted = [n.strip() for n in names.replace("，", ",").split(",") if n.strip()]
    if wanted in (["all"], ["全部"]):
        return tuple(g.id for g in groups)
    by_name = {g.name: g.id for g in groups}
    unknown = [n for n in wanted if n not in by_name]
    if unknown or not wanted:
        known = ("、" if command_line_language() == "zh" else ", ").join(by_name)
        raise UsageError(say("cli.unknown_group", names=", ".join(unknown) or "-",
                             known=known or say("cli.no_groups_yet")))
    return tuple(by_name[n] for n in wanted)


def number_argument(text: str) -> int:
    """argparse's type for a number argument such as an event's (see parse_number)."""
    number = parse_number(text)
    if number is None:
        raise argparse.ArgumentTypeError(say("cli.not_a_number", text=text))
    return number


def confirmation(yes: bool) -> Ask:
    """How a command asks before a change: with --yes the answer is yes (and is printed); at a
    terminal the operator is asked; from a script or a pipe, where no one can answer, the
    answer is no, and the operator is told to add --yes."""
    if yes:
        def answer_yes(question: str) -> str:
            print(question + say("cli.answer_yes"))
            return "yes"

        return answer_yes
    if sys.stdin.isatty():
        return input

    def answer_no(question: str) -> str:
        print(question + say("cli.answer_no"))
        return "no"

    return answer_no


def confirmed(answer: str) -> bool:
    """Whether the operator's answer is yes."""
    return answer.strip().lower() in ("y", "yes", "是", "是的", "确定", "好")
