"""`liaison-bot doctor`: check config, database, token and group rights; say what is wrong, and
where the duty record starts, in the command line's language."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from telegram import Bot, ChatMemberAdministrator
from telegram.error import InvalidToken, TelegramError

from bot.core.cli import local_minute, say
from bot.core.config import Config, ConfigError
from bot.duty_record.record_start import RecordStart, StartSource, first_started_at
from domain.models import ActivityGroup
from storage.conversations import SettingsRepository
from storage.db import Database
from storage.inbox import UpdateInbox
from storage.members import MemberRepository

# A check's line: whether it passed, and what it found.
Check = Callable[[bool, str], None]

# a chat member's status (ChatMember.status) → its text; another status reads as itself
_STATUSES = {
    "creator": "cli_doctor.status_creator",
    "administrator": "cli_doctor.status_administrator",
    "member": "cli_doctor.status_member",
    "restricted": "cli_doctor.status_restricted",
    "left": "cli_doctor.status_left",
    "kicked": "cli_doctor.status_kicked",
}


def _status(status: str) -> str:
    key = _STATUSES.get(status)
    return say(key) if key else status


async def _check_database(config: Config, check: Check, out: TextIO) -> list[ActivityGroup]:
    """Members, groups, waiting and set-aside updates of an existing database; its groups."""
    async with Database(config.storage.path, config.clock) as db:
        repo = MemberRepository(db)
        members = await repo.list_members()
        groups = await repo.list_groups()
        waiting = len(await UpdateInbox(db).pending())
        set_aside = await UpdateInbox(db).set_aside()
        started = await first_started_at(SettingsRepository(db))
    bound = sum(m.telegram_user_id is not None for m in members)
    check(True, say("cli_doctor.database", path=config.storage.path, members=len(members),
                     bound=bound, groups=len(groups)))
    if waiting == 1:
        check(True, say("cli_doctor.waiting_one", count=waiting))
    elif waiting:
        check(True, say("cli_doctor.waiting", count=waiting))
    for update in set_aside:
        line = say("cli_doctor.set_aside", update_id=update.update_id, tries=update.attempts + 1,
                   received=local_minute(update.received_at, config.zone),
                   what=_what_update(update.body))
        print(say("cli_doctor.warn", line=line), file=out)
    check(True, _record_start(RecordStart.of(config.duty_record.record_starts, started,
                                             config.zone)))
    return groups


def _record_start(start: RecordStart) -> str:
    """Where the duty record starts and where that comes from."""
    if start.source is StartSource.CONFIG:
        return say("cli_doctor.record_starts_config", day=start.day)
    if start.source is StartSource.FIRST_START:
        return say("cli_doctor.record_starts_first", day=start.day)
    return say("cli_doctor.record_starts_unstarted")


def _what_update(body: str) -> str:
    """What a stored update was, in a few words (its kind, sender and text)."""
    try:
        update = json.loads(body)
        kind = next(k for k in update if k != "update_id")
        content = update[kind]
        sender = content.get("from", {}).get("id", "?")
        typed = content.get("text") or content.get("data") or ""
    except (ValueError, StopIteration, AttributeError):
        return say("cli_doctor.update_unreadable")
    if typed:
        return say("cli_doctor.update_from_text", kind=kind, sender=sender, text=repr(typed[:40]))
    return say("cli_doctor.update_from", kind=kind, sender=sender)


async def run_doctor(config: Config, *, out: TextIO) -> int:
    """Print one line per check; exit status 1 when any check failed."""
    problems = 0

    def check(ok: bool, line: str) -> None:
        nonlocal problems
        problems += not ok
        print(say("cli_doctor.ok", line=line) if ok else say("cli_doctor.fail", line=line),
              file=out)

    committee = config.committee
    check(True, say("cli_doctor.config_read", name=committee.name, zone=committee.timezone))
    groups = []
    try:
        if not config.storage.path.is_file():  # opening it would create it: not a check
            check(False, say("cli_doctor.no_database", path=config.storage.path))
            check(True, _record_start(RecordStart.of(config.duty_record.record_starts, None,
                                                     config.zone)))
        else:
            groups = await _check_database(config, check, out)
    except Exception as exc:
        check(False, say("cli_doctor.database_error", path=config.storage.path, error=exc))
    try:
        token = config.token_value()
    except ConfigError as exc:
        check(False, str(exc))
        return 1
    bot = Bot(token, base_url=config.telegram.base_url,
              base_file_url=config.telegram.base_file_url)
    try:
        async with bot:
            check(True, say("cli_doctor.token_accepted", username=bot.username))
            for group in groups:
                if group.chat_id is None:
                    check(False, say("cli_doctor.group_no_chat", group=group.name))
                    continue
                try:
                    me = await bot.get_chat_member(group.chat_id, bot.id)
                except TelegramError as exc:
                    check(False, say("cli_doctor.group_unreachable", group=group.name,
                                     error=exc.message))
                    continue
                rights = isinstance(me, ChatMemberAdministrator) and bool(
                    me.can_delete_messages and me.can_pin_messages
                )
                status = _status(me.status)
                check(rights, say("cli_doctor.group_rights_ok", group=group.name, status=status)
                      if rights else
                      say("cli_doctor.group_rights_missing", group=group.name, status=status))
    except InvalidToken:
        check(False, say("cli.token_refused"))
    except TelegramError as exc:
        check(False, say("cli_doctor.api_unreachable", url=config.telegram.base_url,
                         error=exc.message))
    return 1 if problems else 0
