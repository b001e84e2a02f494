"""`liaison-bot reminders list | add | pause | resume | remove | log` and `liaison-bot calendar
show | set | import`: schedules, the delivery log and the office's calendar from the command
line. The running bot picks up what is written here within [reminders] check_every_seconds."""

from __future__ import annotations

import sys
from datetime import UTC, date
from pathlib import Path
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import Namespace, Subcommands, UsageError, day_argument, groups_named
from bot.core.config import Config
from bot.core.tables import print_row_errors
from bot.core.texts import tr
from bot.core.timeparse import parse_local_datetime
from bot.reminders import proposals_cli
from bot.reminders.audience import Audience
from bot.reminders.calendar import DayKind, MarkedDay
from bot.reminders.calendar_import import (
    CalendarFileError,
    CalendarImport,
    import_calendar,
    read_calendar,
)
from bot.reminders.overview import delivery_log
from bot.reminders.service import ReminderService, audience_of, rule_of
from bot.reminders.timing import HolidayPolicy, NextSend, OneOff, Recurring
from storage.audit import record_audit
from storage.db import Database
from storage.members import MemberRepository
from storage.models import Role
from storage.reminder_models import ReminderSchedule, ScheduleStatus
from storage.reminders import ReminderRepository

_CLI_LANGUAGE = "zh"


def _service(db: Database, config: Config) -> ReminderService:
    return ReminderService(db, config.zone, config.reminders)


def _rule_text(schedule: ReminderSchedule) -> str:
    rule = rule_of(schedule)
    if isinstance(rule, OneOff):
        return f"once {rule.at_utc:%Y-%m-%d %H:%M} UTC"
    parts = [f"day={rule.day}"] if rule.day != "*" else []
    parts += [f"month={rule.month}"] if rule.month != "*" else []
    parts += [f"weekday={rule.day_of_week}"] if rule.day_of_week != "*" else []
    return " ".join([*parts, f"at {rule.at}", f"holiday={schedule.holiday_policy}"])


def _next_text(upcoming: NextSend | None, config: Config) -> str:
    """2026-12-04 07:30 (the planned occurrence's time, as in chat); "(quiet hours)" after a
    time its rule names in quiet hours; "-" for none."""
    if upcoming is None:
        return "-"
    when = upcoming.due.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
    return f"{when} (quiet hours)" if upcoming.quiet else when


def _title(schedule: ReminderSchedule) -> str:
    return schedule.title or tr(_CLI_LANGUAGE, f"reminder_kind.{schedule.kind.value}")


async def list_cli(config: Config, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        await service.seed()
        schedules = await service.repo.schedules()
        upcoming = await service.next_times()
    if not schedules:
        print("no reminders", file=out)
        return 0
    for schedule in schedules:
        following = upcoming.get(schedule.id)
        when = _next_text(following, config)
        audience = audience_of(schedule)
        who = "everyone" if audience.everyone else ", ".join(
            [f"group {g}" for g in audience.group_ids] + [r.value for r in audience.roles]
        )
        print(f"{schedule.id:>4}  {schedule.status.value:<7} next {when:<16}  {_title(schedule)}"
              f"  ({_rule_text(schedule)}; to {who}{'; 收到' if schedule.ack else ''})", file=out)
    return 0


async def add_cli(config: Config, args: Namespace, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        try:
            rule: OneOff | Recurring
            if args.at:
                moment = parse_local_datetime(args.at, config.zone, config.clock())
                if moment is None:
                    raise UsageError(f"--at {args.at!r} is not a time like \"2026-12-03 09:00\"")
                rule = OneOff(at_utc=moment.astimezone(UTC))
            elif args.day or args.weekday:
                rule = Recurring(day=args.day or "*", day_of_week=args.weekday or "*",
                                 month=args.month or "*", at=args.time)
            else:
                raise UsageError("give --at for once, or --day/--weekday for a recurring one")
            groups = await MemberRepository(db).list_groups()
            audience = Audience(
                everyone=not (args.groups or args.role),
                group_ids=groups_named(args.groups, groups) if args.groups else (),
                roles=(Role(args.role),) if args.role else (),
            )
            schedule = await service.create(
                None, title=args.title, body=args.text, rule=rule, audience=audience,
                policy=HolidayPolicy(args.holiday), ack=args.ack,
            )
        except UsageError as exc:
            print(f"reminders: {exc}", file=out)
            return 2
        except Refused as exc:
            print(f"reminders: {tr(_CLI_LANGUAGE, f'reminder_problem.{exc.reason}')}", file=out)
            return 2
        upcoming = (await service.next_times()).get(schedule.id)
    print(f"reminder {schedule.id} saved; next: {_next_text(upcoming, config)}", file=out)
    return 0


async def status_cli(config: Config, schedule_id: int, status: ScheduleStatus,
                     out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        try:
            await _service(db, config).set_status(None, schedule_id, status)
        except Refused as exc:
            print(f"reminders: {tr(_CLI_LANGUAGE, f'reminder_problem.{exc.reason}')}", file=out)
            return 2
    print(f"reminder {schedule_id}: {status.value}", file=out)
    return 0


async def log_cli(config: Config, limit: int, out: TextIO) -> int:
    """Per occurrence: delivered / unreachable / failed / still to go."""
    async with Database(config.storage.path, config.clock) as db:
        log = await delivery_log(_service(db, config), None, limit)
    print("  id  due               status     to   sent  unreachable  failed  to go  what",
          file=out)
    for line in log.lines:
        occurrence = line.occurrence
        due = occurrence.due_at.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")
        print(f"{occurrence.id:>4}  {due}  {occurrence.status.value:<9} "
              f"{occurrence.recipients or 0:>4} {line.delivered:>6} {line.unreachable:>12} "
              f"{line.failed:>7} {line.to_go:>6}  {occurrence.key}", file=out)
    unreachable = log.unreachable
    if unreachable:
        print("unreachable (blocked the bot): " + ", ".join(
            f"{m.name} ({m.group_name or '-'})" for m, _ in unreachable), file=out)
    return 0


async def calendar_set_cli(config: Config, day: date, kind: str, out: TextIO) -> int:
    """Set a day's kind, then plan again: reminders already planned move to what the calendar
    now gives (as the running bot's next look would), so `reminders list` shows it at once."""
    async with Database(config.storage.path, config.clock) as db:
        async with db.transaction() as conn:
            now = config.clock()
            await ReminderRepository.set_calendar_day(
                conn, day, None if kind == "clear" else DayKind(kind).value, None, now,
            )
            await record_audit(conn, "calendar_set", actor_tg_id=None,
                               subject=day.isoformat(), detail={"kind": kind}, at=now)
        await _service(db, config).plan()
    print(f"{day.isoformat()}: {kind}", file=out)
    return 0


def _print_import(found: CalendarImport, out: TextIO, *, dry_run: bool) -> None:
    for day, kind in found.not_in_file:
        print(f"  ? {day.isoformat()} {kind.value} (set by the office before) is not in the "
              "file (kept; calendar set DAY clear removes it)", file=out)
    years = ", ".join(
        f"{sum(1 for row in found.rows if row.day.year == year)} in {year}"
        for year in found.years
    )
    print(
        f"{len(found.rows)} day(s) {'would be ' if dry_run else ''}written: "
        f"{found.count(DayKind.HOLIDAY)} holiday, {found.count(DayKind.WORKDAY)} workday "
        f"({years}); {found.changed} new or changed"
        + ("; dry run: nothing written" if dry_run else "; reminders planned again"),
        file=out,
    )


async def calendar_import_cli(config: Config, path: Path, *, dry_run: bool, out: TextIO) -> int:
    """`liaison-bot calendar import FILE [--dry-run]`: a year's 调休 from a file (date, kind,
    name); a file with a bad row writes nothing. Afterwards reminders are planned again, as
    after `calendar set`."""
    try:
        rows, errors = read_calendar(path)
    except CalendarFileError as exc:
        print(f"{path}: {exc}", file=out)
        return 1
    if errors:
        print_row_errors(errors, out)
        return 1
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        found = await import_calendar(service, rows, source=path.name, dry_run=dry_run)
        if not dry_run:
            await service.plan()
    _print_import(found, out, dry_run=dry_run)
    return 0


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _marked_line(marked: MarkedDay) -> str:
    """  2027-02-20 workday (set by the office) Sat 春节调休上班"""
    by = "(set by the office)" if marked.by_office else ""
    return (f"  {marked.day.isoformat()} {marked.kind.value} {by:<19} "
            f"{_WEEKDAYS[marked.day.weekday()]}  {marked.name or '-'}")


async def calendar_show_cli(config: Config, year: int, out: TextIO) -> int:
    """Every holiday and 调休 working day of the year: the `holidays` library's, with the
    office's days over them (marked), and their names where known."""
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        calendar = await service.calendar()
        names = await service.repo.calendar_day_names()
    known = calendar.swaps_known(year)
    print(f"{year}: 调休 "
          + ("known" if known else "NOT known yet: import them with calendar import FILE "
             "(or set a day with calendar set DAY workday|holiday)"), file=out)
    days = calendar.marked_days(year, names)
    holidays = sum(1 for marked in days if marked.kind is DayKind.HOLIDAY)
    office = sum(1 for marked in days if marked.by_office)
    print(f"{holidays} holiday(s), {len(days) - holidays} 调休 working day(s); "
          f"{office} set by the office", file=out)
    for marked in days:
        print(_marked_line(marked), file=out)
    return 0


def add_commands(commands: Subcommands) -> None:
    """`reminders …` and `calendar …` under the `liaison-bot` command."""
    rem = commands.add_parser("reminders", help="reminders and notices").add_subparsers(
        dest="reminders_command", required=True
    )
    rem.add_parser("list", help="schedules with their next time").set_defaults(
        func=lambda c, a: list_cli(c, sys.stdout))
    add = rem.add_parser("add", help="a notice or a recurring reminder")
    add.add_argument("--title", required=True)
    add.add_argument("--text", required=True, help="the message")
    add.add_argument("--at", help='once: "2026-12-03 09:00" (committee time zone)')
    add.add_argument("--day", help="recurring: cron day, e.g. '1st thu', 'last fri', '15'")
    add.add_argument("--weekday", help="recurring: cron day of week, e.g. 'mon'")
    add.add_argument("--month", help="recurring: only these months, e.g. '3,9'")
    add.add_argument("--time", default="09:00", help="recurring: the time (default 09:00)")
    add.add_argument("--groups", help="G1,G2 by name (default: everyone)")
    add.add_argument("--role", choices=[r.value for r in Role], help="only this role")
    add.add_argument("--ack", action="store_true", help="with a 收到 button")
    add.add_argument("--holiday", default="next", choices=[p.value for p in HolidayPolicy],
                     help="a recurring day on a holiday: next working day (default)…")
    add.set_defaults(func=lambda c, a: add_cli(c, a, sys.stdout))
    for verb, status in (("pause", ScheduleStatus.PAUSED), ("resume", ScheduleStatus.ACTIVE),
                         ("remove", ScheduleStatus.REMOVED)):
        cmd = rem.add_parser(verb, help=f"{verb} a reminder")
        cmd.add_argument("id", type=int)
        cmd.set_defaults(func=lambda c, a, s=status: status_cli(c, a.id, s, sys.stdout))
    log = rem.add_parser("log", help="per occurrence: delivered, unreachable, failed, to go")
    log.add_argument("--limit", type=int, default=20)
    log.set_defaults(func=lambda c, a: log_cli(c, a.limit, sys.stdout))

    cal = commands.add_parser("calendar", help="holidays and 调休").add_subparsers(
        dest="calendar_command", required=True
    )
    cset = cal.add_parser("set", help="mark a day as a working day or a holiday")
    cset.add_argument("day", type=day_argument)
    cset.add_argument("kind", choices=["workday", "holiday", "clear"])
    cset.set_defaults(func=lambda c, a: calendar_set_cli(c, a.day, a.kind, sys.stdout))
    imp = cal.add_parser(
        "import", help="a year's 调休 from a .csv or .xlsx: date, workday|holiday, name"
    )
    imp.add_argument("file", help="columns: date, workday|holiday (or 上班|放假), name; "
                                  "a header row is optional")
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    imp.set_defaults(func=lambda c, a: calendar_import_cli(
        c, Path(a.file), dry_run=a.dry_run, out=sys.stdout))
    show = cal.add_parser(
        "show", help="a year's holidays and 调休 working days, the office's marked"
    )
    show.add_argument("year", type=int)
    show.set_defaults(func=lambda c, a: calendar_show_cli(c, a.year, sys.stdout))
    proposals_cli.add_commands(commands)
