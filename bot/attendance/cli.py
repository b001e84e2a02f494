"""`liaison-bot events create | list | qr | attendance` and `export attendance` from the
command line.

Events created here are announced by the running bot (its announcer posts every announcement
still missing, every [attendance] announce_every_seconds). `events qr` writes the current QR
code for a projector (as .svg a whole page with the title, time and 6-digit code); with
--watch it rewrites the file at every new code until the event ends. `--past` records an event
that is over (never announced); `--long` lets an event last more than a day. An --end given
as a time alone is on the start's day, or the next day when it is earlier than the start (an
event through midnight, at most 12 hours: `--start "2026-12-03 23:17" --end 00:17`).
`events attendance EVENT FILE` records, after the event's end, who was present, late or on
leave from a .csv (bot/attendance/marks_file.py): marked afterwards, audited, counted by the
sheets and the duty record; a file with any bad row writes nothing.
"""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.attendance import tokens as checkin_tokens
from bot.attendance.export import export_attendance_cli
from bot.attendance.marks_file import read_marks
from bot.attendance.outcomes import AfterwardsMark, MarkOutcome
from bot.attendance.qr import projector_svg, qr_png
from bot.attendance.rules import EventProblem, is_long, read_end
from bot.attendance.service import (
    AttendanceService,
    InvalidEvent,
    rules_from_config,
)
from bot.core.cli import (
    Namespace,
    Subcommands,
    UsageError,
    day_argument,
    groups_named,
    number_argument,
)
from bot.core.config import Config
from bot.core.tables import RowError, TableFileError, print_row_errors
from bot.core.texts import catalog, tr
from bot.core.timeparse import TimeReading, read_local_datetime
from bot.telegram.links import deep_link, fetch_bot_username
from storage.db import Database
from storage.members import MemberRepository
from storage.models import (
    ActivityGroup,
    Event,
    EventDraft,
    EventPolicy,
    EventStatus,
    EventType,
    Venue,
)

_CLI_LANGUAGE = "zh"


@dataclass(frozen=True)
class EventArguments:
    """What `events create` was given, as typed."""

    type: str
    title: str
    start: str
    end: str
    place: str = ""
    groups: str = "all"
    policy: str = "open"
    lat: float | None = None
    lon: float | None = None
    radius: int | None = None
    past: bool = False  # an event that is over, recorded for the record (never announced)
    long: bool = False  # longer than a day, and meant so


def event_type_of(text: str) -> EventType:
    """`meeting`, `会议`, `委员阅读日` or `阅读日` → the event type."""
    wanted = text.strip().lower()
    for kind in EventType:
        label = catalog(_CLI_LANGUAGE)[f"event_type.{kind.value}"]
        if wanted in (kind.value, label, label.removeprefix("委员")):
            return kind
    names = ", ".join(k.value for k in EventType)
    raise UsageError(f"unknown event type {text!r} (one of: {names}, or the Chinese name)")


def _moment(option: str, typed: str, reading: TimeReading, like: str) -> datetime:
    if reading.choices is not None:
        early, late = (f"{c:%H:%M}" for c in reading.choices)
        raise UsageError(f"{option} {typed!r} could be {early} or {late}: write 上午/下午, or "
                         "the 24-hour time")
    if reading.moment is None:
        raise UsageError(f"{option} {typed!r} is not {like}")
    return reading.moment


def draft_from(
    args: EventArguments, groups: list[ActivityGroup], config: Config, now: datetime
) -> EventDraft:
    """The event the arguments describe, times read in the committee's zone."""
    zone = config.zone
    starts = _moment("--start", args.start, read_local_datetime(args.start, zone, now),
                     "a time like \"2026-12-03 09:00\"")
    ends = _moment("--end", args.end, read_end(args.end, starts, zone, now),
                   "a time like \"11:30\" or a date and time")
    venue = None
    points = (args.lat, args.lon, args.radius)
    if any(p is not None for p in points):
        if args.lat is None or args.lon is None:
            raise UsageError("--lat and --lon go together (and --radius, default 200 m)")
        venue = Venue(lat=args.lat, lon=args.lon, radius_m=args.radius or 200)
    try:
        policy = EventPolicy(args.policy.strip().lower())
    except ValueError:
        raise UsageError(f"--policy must be open or venue, not {args.policy!r}") from None
    return EventDraft(
        type=event_type_of(args.type), title=args.title, starts_at=starts, ends_at=ends,
        place=args.place, venue=venue, policy=policy,
        group_ids=groups_named(args.groups, groups),
    )


def describe(event: Event, groups: list[ActivityGroup], config: Config) -> str:
    """One line per event: number, time, type, title, place, groups, state."""
    zone = config.zone
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    end_text = f"{ends:%H:%M}" if ends.date() == starts.date() else f"{ends:%Y-%m-%d %H:%M}"
    names = ",".join(g.name for g in groups if g.id in event.group_ids)
    kind = tr(_CLI_LANGUAGE, f"event_type.{event.type.value}")
    point = (f" point {event.venue.lat:.5f},{event.venue.lon:.5f} r={event.venue.radius_m}m"
             if event.venue else "")
    state = " CANCELLED" if event.status.value == "cancelled" else ""
    return (f"#{event.id}  {starts:%Y-%m-%d %H:%M}–{end_text}  {kind}  {event.title}"
            f"  @{event.place or '-'}  [{names}]  check-in {event.policy.value}{point}{state}")


async def create_event_cli(config: Config, args: EventArguments, *, out: TextIO) -> int:
    """`events create`: save the event; the running bot announces it."""
    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        groups = await members.list_groups()
        service = AttendanceService(db, members, config.zone,
                                    rules=rules_from_config(config.attendance))
        try:
            draft = draft_from(args, groups, config, config.clock())
            if is_long(draft.starts_at, draft.ends_at) and not args.long:
                days = (draft.ends_at - draft.starts_at).total_seconds() / 86400
                raise UsageError(f"the event would last {days:.1f} days; check --end, or add "
                                 "--long if it is meant to last more than a day")
            change = await service.create_event(None, draft, for_the_record=args.past)
        except UsageError as exc:
            print(f"events: {exc}", file=out)
            return 2
        except InvalidEvent as exc:
            problem = tr("en", f"event.problem_{exc.problem.value}")
            if exc.problem is EventProblem.STARTS_IN_PAST:  # the chat text sends people to staff
                problem += " (At the command line: add --past to record an event that is over.)"
            print(f"events: the event cannot be saved: {problem}", file=out)
            return 2
    event = change.event
    assert event is not None
    if args.past:
        print(f"recorded for the record {describe(event, groups, config)}", file=out)
        print("it is over, so it is not announced", file=out)
        return 0
    print(f"created {describe(event, groups, config)}", file=out)
    unbound = [g.name for g in change.groups if g.chat_id is None]
    bound = [g.name for g in change.groups if g.chat_id is not None]
    if bound:
        print(f"the running bot announces it in the chats of: {', '.join(bound)}", file=out)
    if unbound:
        print(f"no chat bound yet (announced once /bindgroup is done): {', '.join(unbound)}",
              file=out)
    return 0


async def list_events_cli(config: Config, *, include_past: bool, out: TextIO) -> int:
    """`events list`: events not yet over (with --all: every event)."""
    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        service = AttendanceService(db, members, config.zone)
        groups = await members.list_groups()
        if include_past:
            events = await service.list_events()
        else:
            events = [e for e in await service.list_events() if e.ends_at > config.clock()]
    for event in events:
        print(describe(event, groups, config), file=out)
    if not events:
        print("no events" if include_past else "no events to come (--all lists past ones)",
              file=out)
    return 0


_WHY_NOT = {  # a mark the records refuse, as the row's problem
    MarkOutcome.CHECKED_IN: "checked in as {standing} already (a check-in is not changed)",
    MarkOutcome.NOT_EXPECTED: "not expected at the event",
}


async def attendance_marks_cli(
    config: Config, event_id: int, path: Path, *, dry_run: bool, out: TextIO
) -> int:
    """`events attendance EVENT FILE [--dry-run]`: who was present, late or on leave at an
    event that is over, marked afterwards; every bad row is reported and then nothing is
    written (exit 1); an event that is missing, cancelled or not over is exit 2."""
    async with Database(config.storage.path, config.clock) as db:
        members = MemberRepository(db)
        service = AttendanceService(db, members, config.zone,
                                    rules=rules_from_config(config.attendance))
        event = await service.event(event_id)
        if event is None or event.status is EventStatus.CANCELLED:
            state = "does not exist" if event is None else "was cancelled"
            print(f"events: event {event_id} {state}", file=out)
            return 2
        if event.ends_at > config.clock():
            ends = event.ends_at.astimezone(config.zone)
            print(f"events: event {event_id} has not ended (it ends {ends:%Y-%m-%d %H:%M}); "
                  "until then members check in, and /markpresent marks them", file=out)
            return 2
        expected = {m.id for m in await service.repo.expected_members(event_id)}
        try:
            rows, errors = read_marks(path, await members.list_members(), expected, event_id)
        except TableFileError as exc:
            print(f"{path}: {exc}", file=out)
            return 1
        batch = None
        if not errors:
            batch = await service.mark_afterwards(
                None, event_id, [AfterwardsMark(r.member.id, r.status, r.reason) for r in rows],
                source=path.name, dry_run=dry_run,
            )
            for row, result in zip(rows, batch.results, strict=True):
                if result.refused:
                    why = _WHY_NOT.get(result.outcome, result.outcome.value)
                    standing = result.standing.value if result.standing else ""
                    errors.append(RowError(row.line, f"{row.member.name}: "
                                               + why.format(standing=standing)))
    if errors:
        print_row_errors(errors, out)
        return 1
    assert batch is not None
    would = "would be " if dry_run else ""
    for row, result in zip(rows, batch.results, strict=True):
        who = f"row {row.line}: {row.member.name} ({row.member.phone})"
        if result.outcome is MarkOutcome.MARKED:
            print(f"  + {who} {would}marked {row.status.value} afterwards", file=out)
        else:
            standing = result.standing.value if result.standing else row.status.value
            print(f"  = {who} is {standing} already", file=out)
    unchanged = len(batch.results) - len(batch.marked)
    print(f"{len(batch.marked)} {would}marked afterwards, {unchanged} unchanged"
          + (" (dry run: nothing written)" if dry_run else ""), file=out)
    return 0


def _when(event: Event, config: Config) -> str:
    """12月3日（周四）09:00至11:00, as people read it (the year when not this one)."""
    starts, ends = event.starts_at.astimezone(config.zone), event.ends_at.astimezone(config.zone)

    def day(moment: datetime) -> str:
        this_year = config.clock.today(config.zone).year
        year = f"{moment.year}年" if moment.year != this_year else ""
        weekday = tr(_CLI_LANGUAGE, f"weekday.{moment.weekday()}")
        return f"{year}{moment.month}月{moment.day}日（{weekday}）"

    if starts.date() == ends.date():
        return f"{day(starts)}{starts:%H:%M}至{ends:%H:%M}"
    return f"{day(starts)}{starts:%H:%M}至{day(ends)}{ends:%H:%M}"


def _write_file(path: Path, data: bytes) -> None:
    """Replace the file in one step, so an image viewer never reads half a code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


async def qr_cli(
    config: Config, event_id: int, target: Path, *, bot_username: str | None, watch: bool,
    out: TextIO,
) -> int:
    """`events qr EVENT --out FILE.svg|FILE.png [--watch]`: the current code for a projector
    (.svg: a page with the title, time and 6-digit code in large type; .png: the code alone)."""
    username = bot_username or await fetch_bot_username(config)
    async with Database(config.storage.path, config.clock) as db:
        service = AttendanceService(db, MemberRepository(db), config.zone)
        while True:
            token = await service.rotating_token(None, event_id)
            if token is None:
                event = await service.event(event_id)
                print(f"events: event {event_id} "
                      f"{'does not exist' if event is None else 'is over or cancelled'}",
                      file=out)
                return 0 if watch and event is not None else 2
            link = deep_link(username, token.payload)
            if target.suffix.lower() == ".svg":
                event = await service.event(event_id)
                assert event is not None
                page = projector_svg(
                    link, title=event.title, when=_when(event, config), code=token.code,
                    code_label=tr(_CLI_LANGUAGE, "qr.projector_code_label"),
                    note=tr(_CLI_LANGUAGE, "qr.projector_note",
                            seconds=checkin_tokens.STEP_SECONDS),
                )
                await asyncio.to_thread(_write_file, target, page.encode("utf-8"))
            else:
                await asyncio.to_thread(_write_file, target, qr_png(link))
            until = token.valid_until.astimezone(config.zone)
            print(f"{target}: code {token.code}, valid until {until:%H:%M:%S}, link {link}",
                  file=out, flush=True)
            if not watch:
                return 0
            wait = checkin_tokens.delay_until_rotation(config.clock()).total_seconds() + 0.2
            await asyncio.sleep(wait)


async def _create(config: Config, args: Namespace) -> int:
    given = EventArguments(
        type=args.type, title=args.title, start=args.start, end=args.end, place=args.place,
        groups=args.groups, policy=args.policy, lat=args.lat, lon=args.lon, radius=args.radius,
        past=args.past, long=args.long,
    )
    return await create_event_cli(config, given, out=sys.stdout)


async def _list(config: Config, args: Namespace) -> int:
    return await list_events_cli(config, include_past=args.all, out=sys.stdout)


async def _qr(config: Config, args: Namespace) -> int:
    return await qr_cli(config, args.event, Path(args.out), bot_username=args.bot,
                        watch=args.watch, out=sys.stdout)


async def _attendance(config: Config, args: Namespace) -> int:
    return await attendance_marks_cli(config, args.event, Path(args.file), dry_run=args.dry_run,
                                      out=sys.stdout)


async def _export(config: Config, args: Namespace) -> int:
    return await export_attendance_cli(
        config, Path(args.out), event_id=args.event, date_from=args.date_from,
        date_to=args.date_to, group=args.group, out=sys.stdout,
    )


def add_commands(commands: Subcommands) -> None:
    """`events …` under the `liaison-bot` command."""
    events = commands.add_parser("events", help="attendance events").add_subparsers(
        dest="events_command", required=True
    )
    new = events.add_parser("create", help="create an event (the running bot announces it)")
    new.add_argument("--type", required=True,
                     help="reading|advice|inspection|consultation|meeting|study|other or 会议…")
    new.add_argument("--title", required=True)
    new.add_argument("--start", required=True, help='"2026-12-03 09:00" (committee time zone)')
    new.add_argument("--end", required=True,
                     help='"11:30" (the start\'s day; earlier than the start: the next day, up '
                          'to 12 hours on) or a date and time')
    new.add_argument("--place", default="")
    new.add_argument("--groups", default="all", help="G1,G2 by name (default: all groups)")
    new.add_argument("--policy", default="open", help="open (any path) or venue (QR/code only)")
    new.add_argument("--lat", type=float, help="venue point: latitude")
    new.add_argument("--lon", type=float, help="venue point: longitude")
    new.add_argument("--radius", type=number_argument, help="venue radius in metres (default 200)")
    new.add_argument("--past", action="store_true",
                     help="record an event that is over, for the record (it is not announced)")
    new.add_argument("--long", action="store_true",
                     help="the event is meant to last more than a day")
    new.set_defaults(func=_create)
    evl = events.add_parser("list", help="events not yet over")
    evl.add_argument("--all", action="store_true", help="past events too")
    evl.set_defaults(func=_list)
    qr = events.add_parser("qr", help="the event's current check-in QR code as a PNG")
    qr.add_argument("event", type=number_argument, help="the event's number")
    qr.add_argument("--out", required=True,
                    help="FILE.svg (a projector page: code, title, time, 6-digit code in large "
                         "type; open it in a browser) or FILE.png (the QR code alone)")
    qr.add_argument("--watch", action="store_true",
                    help="rewrite the file at every new code until the event ends")
    qr.add_argument("--bot", help="the bot's username (default: asked from the Bot API)")
    qr.set_defaults(func=_qr)
    att = events.add_parser(
        "attendance",
        help="after an event's end: mark who was present, late or on leave, from a .csv",
        description="FILE: a .csv with a header row, the member by phone (手机号) or name "
                    "(姓名), the status (状态): present/已签到/出席, late/迟到 or leave/请假, "
                    "and optionally the leave reason (事由). Marks are recorded as made "
                    "afterwards (事后补记); a file with any bad row writes nothing.",
    )
    att.add_argument("event", type=number_argument, help="the event's number")
    att.add_argument("file", help="FILE.csv")
    att.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    att.set_defaults(func=_attendance)


def add_exports(exports: Subcommands) -> None:
    """`export attendance` under the `liaison-bot` command."""
    att = exports.add_parser("attendance", help="attendance sheets: per member per event, summary")
    att.add_argument("--event", type=number_argument, help="only this event (its number)")
    att.add_argument("--from", dest="date_from", type=day_argument, help="first day (YYYY-MM-DD)")
    att.add_argument("--to", dest="date_to", type=day_argument, help="last day (YYYY-MM-DD)")
    att.add_argument("--group", help="only this activity group")
    att.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv")
    att.set_defaults(func=_export)
