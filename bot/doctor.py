"""`liaison-bot doctor`: check config, database, token and group rights; say what is wrong, and
where the duty record starts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from telegram import Bot, ChatMemberAdministrator
from telegram.error import InvalidToken, TelegramError

from bot.core.config import Config, ConfigError
from bot.duty_record.record_start import RecordStart, StartSource, first_started_at
from storage.conversations import SettingsRepository
from storage.db import Database
from storage.inbox import UpdateInbox
from storage.members import MemberRepository
from storage.models import ActivityGroup


async def _check_database(
    config: Config, say: Callable[[bool, str], None], out: TextIO
) -> list[ActivityGroup]:
    """Members, groups, waiting and set-aside updates of an existing database; its groups."""
    async with Database(config.storage.path, config.clock) as db:
        repo = MemberRepository(db)
        members = await repo.list_members()
        groups = await repo.list_groups()
        waiting = len(await UpdateInbox(db).pending())
        set_aside = await UpdateInbox(db).set_aside()
        started = await first_started_at(SettingsRepository(db))
    bound = sum(m.telegram_user_id is not None for m in members)
    say(True, f"database {config.storage.path}: {len(members)} members ({bound} bound), "
              f"{len(groups)} groups")
    if waiting:
        noun = "update" if waiting == 1 else "updates"
        say(True, f"{waiting} {noun} received and not yet handled (the bot handles them "
                  "when it runs)")
    for update in set_aside:
        print(f"WARN update {update.update_id} set aside after {update.attempts + 1} tries: "
              "the bot stopped each time it was handling it "
              f"(received {update.received_at:%Y-%m-%d %H:%M} UTC; "
              f"{_what_update(update.body)})", file=out)
    say(True, _record_start(RecordStart.of(config.duty_record.record_starts, started,
                                           config.zone)))
    return groups


def _record_start(start: RecordStart) -> str:
    """Where the duty record starts and where that comes from."""
    if start.source is StartSource.CONFIG:
        return f"duty record starts {start.day} ([duty_record] record_starts)"
    if start.source is StartSource.FIRST_START:
        return f"duty record starts {start.day}, the day the bot first started"
    return "duty record starts on the day the bot first starts (not started yet)"


def _what_update(body: str) -> str:
    """What a stored update was, in a few words (its kind, sender and text)."""
    try:
        update = json.loads(body)
        kind = next(k for k in update if k != "update_id")
        content = update[kind]
        sender = content.get("from", {}).get("id", "?")
        typed = content.get("text") or content.get("data") or ""
    except (ValueError, StopIteration, AttributeError):
        return "not readable"
    return f"{kind} from user {sender}" + (f": {typed[:40]!r}" if typed else "")


async def run_doctor(config: Config, *, out: TextIO) -> int:
    """Print one line per check; exit status 1 when any check failed."""
    problems = 0

    def say(ok: bool, line: str) -> None:
        nonlocal problems
        problems += not ok
        print(("ok   " if ok else "FAIL ") + line, file=out)

    committee = config.committee
    say(True, f"config read; committee {committee.name!r}, zone {committee.timezone}")
    groups = []
    try:
        if not config.storage.path.is_file():  # opening it would create it: not a check
            say(False, f"database {config.storage.path} does not exist yet (the bot makes it "
                       "at its first start, so does `liaison-bot members import FILE`)")
            say(True, _record_start(RecordStart.of(config.duty_record.record_starts, None,
                                                   config.zone)))
        else:
            groups = await _check_database(config, say, out)
    except Exception as exc:
        say(False, f"database {config.storage.path}: {exc}")
    try:
        token = config.token_value()
    except ConfigError as exc:
        say(False, str(exc))
        return 1
    bot = Bot(token, base_url=config.telegram.base_url,
              base_file_url=config.telegram.base_file_url)
    try:
        async with bot:
            say(True, f"token accepted: the bot is @{bot.username}")
            for group in groups:
                if group.chat_id is None:
                    say(False, f"group {group.name}: no chat bound (run /bindgroup in its chat)")
                    continue
                try:
                    me = await bot.get_chat_member(group.chat_id, bot.id)
                except TelegramError as exc:
                    say(False, f"group {group.name}: cannot reach its chat ({exc.message})")
                    continue
                rights = isinstance(me, ChatMemberAdministrator) and bool(
                    me.can_delete_messages and me.can_pin_messages
                )
                say(rights, f"group {group.name}: bot is {me.status}"
                    + ("" if rights else " — make it an admin with delete and pin rights"))
    except InvalidToken:
        say(False, "the Bot API refused the token: check it with @BotFather")
    except TelegramError as exc:
        say(False, f"Bot API at {config.telegram.base_url} not reachable: {exc.message}")
    return 1 if problems else 0
