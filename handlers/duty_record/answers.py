"""What the duty record's handlers share: the prologue of its commands (a bound member, in
private chat), the year argument, refusals as texts, and sending a message with buttons."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.core.auth import Refused
from bot.core.numbers import parse_number
from bot.core.when import date_text
from bot.duty_record.service import FIRST_YEAR, BeforeRecord, DutyProblem
from handlers.shared.common import edit_pressed_message, is_private, reply, require_bound, tell
from handlers.shared.context import Context

# More typed after a command than any group name and year: answered with the usage, unread.
MAX_ARGUMENT_CHARS = 80
_YEAR_DIGITS = 6  # 2025, and a little more: "/me 20255" is a year out of range, not text


class NoYear(Exception):
    """What was typed after the command is not a year."""


def year_argument(args: list[str]) -> int | None:
    """The year typed after /me or /stats (None: this year); NoYear for anything else."""
    if not args:
        return None
    if len(args) > 1 or len(args[0]) > _YEAR_DIGITS:
        raise NoYear
    year = parse_number(args[0])
    if year is None:
        raise NoYear
    return year


def split_year(args: list[str]) -> tuple[list[str], int | None]:
    """/group [name] [year]: the year when the last word is a number, and the words before."""
    if args and len(args[-1]) <= _YEAR_DIGITS and parse_number(args[-1]) is not None:
        return args[:-1], parse_number(args[-1])
    return args, None


async def prologue(update: Update, context: Context, command: str) -> bool:
    """A bound member (or a bootstrap admin) in private chat; otherwise they are told."""
    if not await require_bound(update, context):
        return False
    if not is_private(update):
        await reply(update, context, "duty.use_private", command=command)
        return False
    return True


async def refuse(update: Update, context: Context, refused: Refused, command: str) -> None:
    """The refusal's text: a popup under a button, else a message."""
    key = f"duty.problem.{refused.reason.value}"
    if refused.reason is DutyProblem.NO_SUCH_MEMBER and update.callback_query is None \
            and context.actor.is_staff and command == "me":
        key = "duty.staff_no_record"  # staff are not assessed: they have no record of their own
    year, start = "", ""
    if isinstance(refused, BeforeRecord):  # which year, and from when the record is kept
        year = str(refused.year)
        start = date_text(context.lang, refused.starts, context.services.duty_record.today())
    await tell(update, context, key, command=command, first=FIRST_YEAR,
               limit=refused.limit or "", length=refused.length or 0,
               name=context.actor.member.name if context.actor.member else "",
               year=year, start=start)


async def send(update: Update, context: Context, body: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """A new message in the chat the update came from."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


async def show(update: Update, context: Context, body: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button by editing its message, a command by a new message."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await edit_pressed_message(update, body, markup)
    else:
        await send(update, context, body, markup)
