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
    local_minute,
    number_argument,
    say,
)
from bot.core.config import Config
from bot.core.tables import RowError, TableFileError, print_row_errors
from bot.core.texts import catalog, tr
from bot.core.timeparse import TimeReading, read_local_datetime
from bot.telegram.links import deep_link, fetch_bot_username
from domain.models import (
    ActivityGroup,
    Event,
    EventDraft,
    EventPolicy,
    EventStatus,
    EventType,
    Venue,
)
from storage.db import Database
from storage.members import MemberRepository

# Event type names typed at the command line, and the projector page, are Chinese whatever
# the command line speaks (the page is for the members in the room).
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
    names = say("cli_events.list_separator").join(k.value for k in EventType)
    raise UsageError(say("cli_events.unknown_type", text=text, names=names))


def _moment(option: str, typed: str, reading: TimeReading, unreadable: str) -> datetime:
    """The moment read, or UsageError: `unreadable` is the text saying the time is none."""
    if reading.choices is not None:
        early, late = (f"{c:%H:%M}" for c in reading.choices)
        raise UsageError(say("cli_events.ambiguous_time", option=option, text=typed,
                             early=early, late=late))
    if reading.moment is None:
        raise UsageError(unreadable)
    return reading.moment


def draft_from(
    args: EventArguments, groups: list[ActivityGroup], config: Config, now: datetime
) -> EventDraft:
    """The event the arguments describe, times read in the committee's zone."""
    zone = config.zone
    starts = _moment("--start", args.start, read_local_datetime(args.start, zone, now),
                     say("cli_events.not_a_start", text=args.start))
    ends = _moment("--end", args.end, read_end(args.end, starts, zone, now),
                   say("cli_events.not_an_end", text=args.end))
    venue = None
    points = (args.lat, args.lon, args.radius)
    if any(p is not None for p in points):
        if args.lat is None or args.lon is None:
            raise UsageError(say("cli_events.lat_lon"))
        venue = Venue(lat=args.lat, lon=args.lon, radius_m=args.radius or 200)
    try:
        policy = EventPolicy(args.policy.strip().lower())
    except ValueError:
        raise UsageError(say("cli_events.bad_policy", text=args.policy)) from None
    return EventDraft(
        type=event_type_of(args.type), title=args.title, starts_at=starts, ends_at=ends,
        place=args.place, venue=venue, policy=policy,
        group_ids=groups_named(args.groups, groups),
    )


_POLICY_WORDS = {
    EventPolicy.OPEN: "cli_events.policy_open",
    EventPolicy.VENUE: "cli_events.policy_venue",
}


def describe(event: Event, groups: list[ActivityGroup], config: Config) -> str:
    """One line per event: number, time (in the committee's zone), type, title, place, groups,
    check-in rule, state."""
    zone = config.zone
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    end_text = f"{ends:%H:%M}" if ends.date() == starts.date() else local_minute(ends, zone)
    names = say("cli_events.group_separator").join(
        g.name for g in groups if g.id in event.group_ids)
    point = (say("cli_events.point", lat=f"{event.venue.lat:.5f}",
                 lon=f"{event.venue.lon:.5f}", radius=event.venue.radius_m)
             if event.venue else "")
    state = say("cli_events.cancelled") if event.status is EventStatus.CANCELLED else ""
    return say(
        "cli_events.line", number=event.id, start=local_minute(starts, zone), end=end_text,
        kind=say(f"event_type.{event.type.value}"), title=event.title,
        place=event.place or "-", groups=names, policy=say(_POLICY_WORDS[event.policy]),
        point=point, state=state,
    )


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
                raise UsageError(say("cli_events.too_long", days=f"{days:.1f}"))
            change = await service.create_event(None, draft, for_the_record=args.past)
        except UsageError as exc:
            print(f"events: {exc}", file=out)
            return 2
        except InvalidEvent as exc:
            problem = say(f"event.problem_{exc.problem.value}")
            if exc.problem is EventProblem.STARTS_IN_PAST:  # the chat text sends people to staff
                print(f"events: {say('cli_events.cannot_save_past', problem=problem)}",
                      file=out)
            else:
                print(f"events: {say('cli_events.cannot_save', problem=problem)}", file=out)
            return 2
    event = change.event
    assert event is not None
    if args.past:
        print(say("cli_events.recorded", event=describe(event, groups, config)), file=out)
        print(say("cli_events.not_announced"), file=out)
        return 0
    print(say("cli_events.created", event=describe(event, groups, config)), file=out)
    separator = say("cli_events.list_separator")
    unbound = [g.name for g in change.groups if g.chat_id is None]
    bound = [g.name for g in change.groups if g.chat_id is not None]
    if bound:
        print(say("cli_events.announced_in", groups=separator.join(bound)), file=out)
    if unbound:
        print(say("cli_events.not_bound", groups=separator.join(unbound)), file=out)
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
        print(say("cli_events.no_events") if include_past else say("cli_events.no_upcoming"),
              file=out)
    return 0


_STATUS_WORDS = {  # a mark or a standing, as the lines of `events attendance` name it
    "present": "cli_events.status_present",
    "late": "cli_events.status_late",
    "leave": "cli_events.status_leave",
}


def _status_word(value: str) -> str:
    key = _STATUS_WORDS.get(value)
    return say(key) if key else say(f"attendance_status.{value}")


def _refusal(outcome: MarkOutcome, name: str, standing: str) -> str:
    """A mark the records refuse, as the row's problem."""
    if outcome is MarkOutcome.CHECKED_IN:
        return say("cli_events.mark_checked_in", name=name, standing=standing)
    if outcome is MarkOutcome.NOT_EXPECTED:
        return say("cli_events.mark_not_expected", name=name)
    return say("cli_events.mark_refused", name=name, outcome=outcome.value)


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
            state = (say("cli_events.event_missing", number=event_id) if event is None
                     else say("cli_events.event_cancelled", number=event_id))
            print(f"events: {state}", file=out)
            return 2
        if event.ends_at > config.clock():
            ends = local_minute(event.ends_at, config.zone)
            print(f"events: {say('cli_events.not_ended', number=event_id, ends=ends)}",
                  file=out)
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
                    standing = _status_word(result.standing.value) if result.standing else ""
                    errors.append(RowError(row.line, _refusal(result.outcome, row.member.name,
                                                              standing)))
    if errors:
        print_row_errors(errors, out)
        return 1
    assert batch is not None
    for row, result in zip(rows, batch.results, strict=True):
        who = {"line": row.line, "name": row.member.name, "phone": row.member.phone}
        if result.outcome is MarkOutcome.MARKED:
            status = _status_word(row.status.value)
            marked = (say("cli_events.would_mark", **who, status=status) if dry_run
                      else say("cli_events.marked", **who, status=status))
            print(f"  + {marked}", file=out)
        else:
            standing = result.standing.value if result.standing else row.status.value
            print(f"  = {say('cli_events.unchanged', **who, standing=_status_word(standing))}",
                  file=out)
    counts = {"marked": len(batch.marked), "unchanged": len(batch.results) - len(batch.marked)}
    print(say("cli_events.would_mark_count", **counts) if dry_run
          else say("cli_events.marked_count", **counts), file=out)
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
                state = (say("cli_events.event_missing", number=event_id) if event is None
                         else say("cli_events.event_over", number=event_id))
                print(f"events: {state}", file=out)
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
            print(say("cli_events.qr_written", path=target, code=token.code,
                      until=f"{until:%H:%M:%S}", link=link), file=out, flush=True)
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
    events = commands.add_parser(
        "events", help=say("cli_events.help_events"), description=say("cli_events.help_events")
    ).add_subparsers(dest="events_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    new = events.add_parser("create", help=say("cli_events.help_create"),
                            description=say("cli_events.help_create"))
    new.add_argument("--type", required=True, help=say("cli_events.help_type"))
    new.add_argument("--title", required=True, help=say("cli_events.help_title"))
    new.add_argument("--start", required=True, help=say("cli_events.help_start"))
    new.add_argument("--end", required=True, help=say("cli_events.help_end"))
    new.add_argument("--place", default="", help=say("cli_events.help_place"))
    new.add_argument("--groups", default="all", help=say("cli_events.help_groups"))
    new.add_argument("--policy", default="open", help=say("cli_events.help_policy"))
    new.add_argument("--lat", type=float, help=say("cli_events.help_lat"))
    new.add_argument("--lon", type=float, help=say("cli_events.help_lon"))
    new.add_argument("--radius", type=number_argument, help=say("cli_events.help_radius"))
    new.add_argument("--past", action="store_true", help=say("cli_events.help_past"))
    new.add_argument("--long", action="store_true", help=say("cli_events.help_long"))
    new.set_defaults(func=_create)
    evl = events.add_parser("list", help=say("cli_events.help_list"),
                            description=say("cli_events.help_list"))
    evl.add_argument("--all", action="store_true", help=say("cli_events.help_all"))
    evl.set_defaults(func=_list)
    qr = events.add_parser("qr", help=say("cli_events.help_qr"),
                           description=say("cli_events.help_qr"))
    qr.add_argument("event", metavar="EVENT", type=number_argument,
                    help=say("cli_events.help_event"))
    qr.add_argument("--out", required=True, metavar="FILE", help=say("cli_events.help_qr_out"))
    qr.add_argument("--watch", action="store_true", help=say("cli_events.help_watch"))
    qr.add_argument("--bot", help=say("cli_events.help_bot"))
    qr.set_defaults(func=_qr)
    att = events.add_parser("attendance", help=say("cli_events.help_attendance"),
                            description=say("cli_events.about_attendance"))
    att.add_argument("event", metavar="EVENT", type=number_argument,
                     help=say("cli_events.help_event"))
    att.add_argument("file", metavar="FILE", help=say("cli_events.help_file"))
    att.add_argument("--dry-run", action="store_true", help=say("cli_events.help_dry_run"))
    att.set_defaults(func=_attendance)


def add_exports(exports: Subcommands) -> None:
    """`export attendance` under the `liaison-bot` command."""
    att = exports.add_parser("attendance", help=say("cli_export.help_attendance"),
                             description=say("cli_export.help_attendance"))
    att.add_argument("--event", type=number_argument, help=say("cli_export.help_event"))
    att.add_argument("--from", dest="date_from", metavar="DATE", type=day_argument,
                     help=say("cli_export.help_from"))
    att.add_argument("--to", dest="date_to", metavar="DATE", type=day_argument,
                     help=say("cli_export.help_to"))
    att.add_argument("--group", metavar="G", help=say("cli_export.help_group"))
    att.add_argument("--out", required=True, metavar="FILE", help=say("cli_export.help_out"))
    att.set_defaults(func=_export)
