"""`liaison-bot reminders list | add | pause | resume | remove | log` and `liaison-bot calendar
show | set | import`: schedules, the delivery log and the office's calendar from the command
line. The running bot picks up what is written here within [reminders] check_every_seconds."""

from __future__ import annotations

import sys
from datetime import UTC, date
from pathlib import Path
from typing import TextIO

from bot.core.auth import Refused
from bot.core.cli import (
    Namespace,
    Subcommands,
    UsageError,
    day_argument,
    groups_named,
    local_minute,
    say,
)
from bot.core.config import Config
from bot.core.tables import print_row_errors
from bot.core.texts import columns
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
from domain.models import ActivityGroup, Role
from domain.reminder_models import OccurrenceStatus, ReminderSchedule, ScheduleStatus
from storage.audit import record_audit
from storage.db import Database
from storage.members import MemberRepository
from storage.reminders import ReminderRepository

_STATUSES = {
    ScheduleStatus.ACTIVE: "cli_reminders.status_active",
    ScheduleStatus.PAUSED: "cli_reminders.status_paused",
    ScheduleStatus.REMOVED: "cli_reminders.status_removed",
}
_CHANGED = {
    ScheduleStatus.ACTIVE: "cli_reminders.resumed",
    ScheduleStatus.PAUSED: "cli_reminders.paused",
    ScheduleStatus.REMOVED: "cli_reminders.removed",
}
_POLICIES = {
    HolidayPolicy.NEXT: "cli_reminders.holiday_next",
    HolidayPolicy.PREVIOUS: "cli_reminders.holiday_previous",
    HolidayPolicy.SKIP: "cli_reminders.holiday_skip",
    HolidayPolicy.KEEP: "cli_reminders.holiday_keep",
}
_ROLES = {
    Role.MEMBER: "cli_reminders.role_member",
    Role.LEADER: "cli_reminders.role_leader",
    Role.DEPUTY: "cli_reminders.role_deputy",
    Role.STAFF: "cli_reminders.role_staff",
    Role.ADMIN: "cli_reminders.role_admin",
}
_OCCURRENCES = {
    OccurrenceStatus.DUE: "cli_reminders.occurrence_due",
    OccurrenceStatus.SENDING: "cli_reminders.occurrence_sending",
    OccurrenceStatus.SENT: "cli_reminders.occurrence_sent",
    OccurrenceStatus.MISSED: "cli_reminders.occurrence_missed",
    OccurrenceStatus.WITHDRAWN: "cli_reminders.occurrence_withdrawn",
}
_KINDS = {DayKind.HOLIDAY: "cli_calendar.kind_holiday",
          DayKind.WORKDAY: "cli_calendar.kind_workday"}
_KIND_SET = {"holiday": "cli_calendar.set_holiday", "workday": "cli_calendar.set_workday",
             "clear": "cli_calendar.set_clear"}
_REMINDER_KINDS = {
    "advice_day": "reminder_kind.advice_day",
    "notice": "reminder_kind.notice",
    "reading_day": "reminder_kind.reading_day",
}


def _pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded with blanks to `width` terminal columns (a CJK character takes two)."""
    blanks = " " * max(0, width - columns(text))
    return blanks + text if right else text + blanks


def _service(db: Database, config: Config) -> ReminderService:
    return ReminderService(db, config.zone, config.reminders)


def _rule_text(schedule: ReminderSchedule, config: Config) -> str:
    """once 2026-12-03 09:00 (in the committee's zone), or the recurring rule's fields, its
    time and what a holiday does to it."""
    rule = rule_of(schedule)
    if isinstance(rule, OneOff):
        return say("cli_reminders.rule_once", when=local_minute(rule.at_utc, config.zone))
    fields = "".join([
        *([say("cli_reminders.rule_day", day=rule.day)] if rule.day != "*" else []),
        *([say("cli_reminders.rule_month", month=rule.month)] if rule.month != "*" else []),
        *([say("cli_reminders.rule_weekday", weekday=rule.day_of_week)]
          if rule.day_of_week != "*" else []),
    ])
    return say("cli_reminders.rule_recurring", fields=fields, at=rule.at,
               holiday=say(_POLICIES[HolidayPolicy(schedule.holiday_policy)]))


def _next_text(upcoming: NextSend | None, config: Config) -> str:
    """2026-12-04 07:30 (the planned occurrence's time, as in chat); "(quiet hours)" after a
    time its rule names in quiet hours; "-" for none."""
    if upcoming is None:
        return "-"
    when = local_minute(upcoming.due, config.zone)
    return say("cli_reminders.next_quiet", when=when) if upcoming.quiet else when


def _title(schedule: ReminderSchedule) -> str:
    return schedule.title or say(_REMINDER_KINDS[schedule.kind.value])


def _audience_text(schedule: ReminderSchedule, groups: list[ActivityGroup]) -> str:
    """everyone, or the groups by name and the roles."""
    audience = audience_of(schedule)
    if audience.everyone:
        return say("cli_reminders.to_everyone")
    names = {group.id: group.name for group in groups}
    return say("cli_reminders.separator").join(
        [say("cli_reminders.to_group", name=names.get(g, g)) for g in audience.group_ids]
        + [say(_ROLES[role]) for role in audience.roles]
    )


async def list_cli(config: Config, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        await service.seed()
        schedules = await service.repo.schedules()
        upcoming = await service.next_times()
        groups = await MemberRepository(db).list_groups()
    if not schedules:
        print(say("cli_reminders.none"), file=out)
        return 0
    for schedule in schedules:
        when = _next_text(upcoming.get(schedule.id), config)
        print(say("cli_reminders.list_line", id=_pad(str(schedule.id), 4, right=True),
                  status=_pad(say(_STATUSES[schedule.status]), 7), when=_pad(when, 16),
                  title=_title(schedule), rule=_rule_text(schedule, config),
                  who=_audience_text(schedule, groups),
                  ack=say("cli_reminders.with_ack") if schedule.ack else ""), file=out)
    return 0


async def add_cli(config: Config, args: Namespace, out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        try:
            rule: OneOff | Recurring
            if args.at:
                moment = parse_local_datetime(args.at, config.zone, config.clock())
                if moment is None:
                    raise UsageError(say("cli_reminders.bad_at", text=args.at))
                rule = OneOff(at_utc=moment.astimezone(UTC))
            elif args.day or args.weekday:
                rule = Recurring(day=args.day or "*", day_of_week=args.weekday or "*",
                                 month=args.month or "*", at=args.time)
            else:
                raise UsageError(say("cli_reminders.no_rule"))
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
            print(f"reminders: {say(f'reminder_problem.{exc.reason}')}", file=out)
            return 2
        upcoming = (await service.next_times()).get(schedule.id)
    print(say("cli_reminders.saved", id=schedule.id, next=_next_text(upcoming, config)),
          file=out)
    return 0


async def status_cli(config: Config, schedule_id: int, status: ScheduleStatus,
                     out: TextIO) -> int:
    async with Database(config.storage.path, config.clock) as db:
        try:
            await _service(db, config).set_status(None, schedule_id, status)
        except Refused as exc:
            problem = (say("cli_reminders.no_such_schedule", id=schedule_id)
                       if exc.reason == "no_such_schedule"
                       else say(f"reminder_problem.{exc.reason}"))
            print(f"reminders: {problem}", file=out)
            return 2
    print(say(_CHANGED[status], id=schedule_id), file=out)
    return 0


async def log_cli(config: Config, limit: int, out: TextIO) -> int:
    """Per occurrence: delivered / unreachable / failed / still to go."""
    async with Database(config.storage.path, config.clock) as db:
        log = await delivery_log(_service(db, config), None, limit)
    print(_log_row(say("cli_reminders.log_id"), say("cli_reminders.log_due"),
                   say("cli_reminders.log_status"), say("cli_reminders.log_to"),
                   say("cli_reminders.log_sent"), say("cli_reminders.log_unreachable"),
                   say("cli_reminders.log_failed"), say("cli_reminders.log_to_go"),
                   say("cli_reminders.log_what")), file=out)
    for line in log.lines:
        occurrence = line.occurrence
        print(_log_row(str(occurrence.id), local_minute(occurrence.due_at, config.zone),
                       say(_OCCURRENCES[occurrence.status]), str(occurrence.recipients or 0),
                       str(line.delivered), str(line.unreachable), str(line.failed),
                       str(line.to_go), occurrence.key), file=out)
    unreachable = log.unreachable
    if unreachable:
        print(say("cli_reminders.unreachable", names=say("cli_reminders.separator").join(
            say("cli_reminders.member_in_group", name=m.name, group=m.group_name or "-")
            for m, _ in unreachable)), file=out)
    return 0


def _log_row(number: str, due: str, status: str, to: str, sent: str, unreachable: str,
             failed: str, to_go: str, what: str) -> str:
    """A line of the delivery log (or its header), the columns aligned by terminal width."""
    return (f"{_pad(number, 4, right=True)}  {_pad(due, 16)}  {_pad(status, 9)} "
            f"{_pad(to, 4, right=True)} {_pad(sent, 6, right=True)} "
            f"{_pad(unreachable, 12, right=True)} {_pad(failed, 7, right=True)} "
            f"{_pad(to_go, 6, right=True)}  {what}")


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
    print(say(_KIND_SET[kind], day=day.isoformat()), file=out)
    return 0


def _print_import(found: CalendarImport, out: TextIO, *, dry_run: bool) -> None:
    for day, kind in found.not_in_file:
        print("  " + say("cli_calendar.not_in_file", day=day.isoformat(), kind=say(_KINDS[kind])),
              file=out)
    years = say("cli_reminders.separator").join(
        say("cli_calendar.in_year", year=year,
            count=sum(1 for row in found.rows if row.day.year == year))
        for year in found.years
    )
    print(say("cli_calendar.dry_run" if dry_run else "cli_calendar.imported",
              count=len(found.rows), holidays=found.count(DayKind.HOLIDAY),
              workdays=found.count(DayKind.WORKDAY), years=years, changed=found.changed),
          file=out)


async def calendar_import_cli(config: Config, path: Path, *, dry_run: bool, out: TextIO) -> int:
    """`liaison-bot calendar import FILE [--dry-run]`: a year's 调休 from a file (date, kind,
    name); a file with a bad row writes nothing. Afterwards reminders are planned again, as
    after `calendar set`."""
    try:
        rows, errors = read_calendar(path)
    except CalendarFileError as exc:
        print(say("cli_calendar.file_problem", path=path, problem=exc), file=out)
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


_WEEKDAYS = ("weekday.0", "weekday.1", "weekday.2", "weekday.3", "weekday.4", "weekday.5",
             "weekday.6")


def _marked_line(marked: MarkedDay) -> str:
    """  2027-02-20 workday (set by the office) Sat 春节调休上班"""
    by_office = say("cli_calendar.by_office")
    kind = _pad(say(_KINDS[marked.kind]), max(columns(say(k)) for k in _KINDS.values()))
    by = _pad(by_office if marked.by_office else "", columns(by_office))
    return (f"  {marked.day.isoformat()} {kind} {by} "
            f"{say(_WEEKDAYS[marked.day.weekday()])}  {marked.name or '-'}")


async def calendar_show_cli(config: Config, year: int, out: TextIO) -> int:
    """Every holiday and 调休 working day of the year: the `holidays` library's, with the
    office's days over them (marked), and their names where known."""
    async with Database(config.storage.path, config.clock) as db:
        service = _service(db, config)
        calendar = await service.calendar()
        names = await service.repo.calendar_day_names()
    known = calendar.swaps_known(year)
    print(say("cli_calendar.swaps_known" if known else "cli_calendar.swaps_unknown",
              year=year), file=out)
    days = calendar.marked_days(year, names)
    holidays = sum(1 for marked in days if marked.kind is DayKind.HOLIDAY)
    office = sum(1 for marked in days if marked.by_office)
    print(say("cli_calendar.counts", holidays=holidays, workdays=len(days) - holidays,
              office=office), file=out)
    for marked in days:
        print(_marked_line(marked), file=out)
    return 0


def add_commands(commands: Subcommands) -> None:
    """`reminders …` and `calendar …` under the `liaison-bot` command."""
    rem = commands.add_parser(
        "reminders", help=say("cli_reminders.help"), description=say("cli_reminders.help")
    ).add_subparsers(dest="reminders_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    rem.add_parser("list", help=say("cli_reminders.help_list"),
                   description=say("cli_reminders.help_list")).set_defaults(
        func=lambda c, a: list_cli(c, sys.stdout))
    add = rem.add_parser("add", help=say("cli_reminders.help_add"),
                         description=say("cli_reminders.help_add_full"))
    add.add_argument("--title", required=True, help=say("cli_reminders.help_title"))
    add.add_argument("--text", required=True, help=say("cli_reminders.help_text"))
    add.add_argument("--at", help=say("cli_reminders.help_at"))
    add.add_argument("--day", help=say("cli_reminders.help_day"))
    add.add_argument("--weekday", help=say("cli_reminders.help_weekday"))
    add.add_argument("--month", help=say("cli_reminders.help_month"))
    add.add_argument("--time", default="09:00", help=say("cli_reminders.help_time"))
    add.add_argument("--groups", help=say("cli_reminders.help_groups"))
    add.add_argument("--role", choices=[r.value for r in Role],
                     help=say("cli_reminders.help_role"))
    add.add_argument("--ack", action="store_true", help=say("cli_reminders.help_ack"))
    add.add_argument("--holiday", default="next", choices=[p.value for p in HolidayPolicy],
                     help=say("cli_reminders.help_holiday"))
    add.set_defaults(func=lambda c, a: add_cli(c, a, sys.stdout))
    for verb, status, what in (
        ("pause", ScheduleStatus.PAUSED, say("cli_reminders.help_pause")),
        ("resume", ScheduleStatus.ACTIVE, say("cli_reminders.help_resume")),
        ("remove", ScheduleStatus.REMOVED, say("cli_reminders.help_remove")),
    ):
        cmd = rem.add_parser(verb, help=what, description=what)
        cmd.add_argument("id", type=int, metavar="ID", help=say("cli_reminders.help_id"))
        cmd.set_defaults(func=lambda c, a, s=status: status_cli(c, a.id, s, sys.stdout))
    log = rem.add_parser("log", help=say("cli_reminders.help_log"),
                         description=say("cli_reminders.help_log"))
    log.add_argument("--limit", type=int, default=20, help=say("cli_reminders.help_limit"))
    log.set_defaults(func=lambda c, a: log_cli(c, a.limit, sys.stdout))

    cal = commands.add_parser(
        "calendar", help=say("cli_calendar.help"), description=say("cli_calendar.help")
    ).add_subparsers(dest="calendar_command", required=True, metavar="COMMAND",
                     title=say("cli.commands"))
    cset = cal.add_parser("set", help=say("cli_calendar.help_set"),
                          description=say("cli_calendar.help_set_full"))
    cset.add_argument("day", type=day_argument, metavar="DAY",
                      help=say("cli_calendar.help_day"))
    cset.add_argument("kind", choices=["workday", "holiday", "clear"],
                      help=say("cli_calendar.help_kind"))
    cset.set_defaults(func=lambda c, a: calendar_set_cli(c, a.day, a.kind, sys.stdout))
    imp = cal.add_parser("import", help=say("cli_calendar.help_import"),
                         description=say("cli_calendar.help_import_full"))
    imp.add_argument("file", metavar="FILE", help=say("cli_calendar.help_file"))
    imp.add_argument("--dry-run", action="store_true", help=say("cli_calendar.help_dry_run"))
    imp.set_defaults(func=lambda c, a: calendar_import_cli(
        c, Path(a.file), dry_run=a.dry_run, out=sys.stdout))
    show = cal.add_parser("show", help=say("cli_calendar.help_show"),
                          description=say("cli_calendar.help_show"))
    show.add_argument("year", type=int, metavar="YEAR", help=say("cli_calendar.help_year"))
    show.set_defaults(func=lambda c, a: calendar_show_cli(c, a.year, sys.stdout))
    proposals_cli.add_commands(commands)
