"""What staff look at besides the schedules: one schedule (checked: staff only, not removed),
who has and has not pressed 收到 on a notice, per occurrence and group, and the delivery log
(per occurrence delivered / unreachable / failed / still to go, and who blocked the bot)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from bot.core.auth import Action, Actor, NotAllowed, Refused
from bot.reminders.service import ReminderProblem, ReminderService
from domain.models import Member
from domain.reminder_models import ReminderOccurrence, ReminderSchedule, ScheduleStatus

# How many of a notice's latest occurrences the 收到 overview shows.
ACK_OCCURRENCES = 3


async def schedule_for(
    service: ReminderService, actor: Actor, schedule_id: int
) -> ReminderSchedule:
    """The schedule staff are acting on; NotAllowed for anyone else, Refused when it is gone."""
    if not actor.can(Action.MANAGE_REMINDERS):
        raise NotAllowed
    schedule = await service.repo.schedule(schedule_id)
    if schedule is None or schedule.status is ScheduleStatus.REMOVED:
        raise Refused(ReminderProblem.NO_SUCH_SCHEDULE)
    return schedule


@dataclass(frozen=True)
class AckSheet:
    """One occurrence of a notice: who it reached and pressed 收到, and who has not yet."""

    occurrence: ReminderOccurrence
    acknowledged: list[Member]
    waiting: list[Member]

    def by_group(self) -> Iterator[tuple[str | None, list[Member], list[Member]]]:
        """(group name, acknowledged, waiting) per group, in the order of the names."""
        everyone = sorted([(m, True) for m in self.acknowledged]
                          + [(m, False) for m in self.waiting],
                          key=lambda pair: (pair[0].group_name or "\uffff", pair[0].name))
        for group, pairs in groupby(everyone, key=lambda pair: pair[0].group_name):
            listed = list(pairs)
            yield group, [m for m, done in listed if done], [m for m, done in listed if not done]


async def ack_sheets(
    service: ReminderService, actor: Actor, schedule_id: int
) -> tuple[ReminderSchedule, list[AckSheet]]:
    """The latest occurrences of a notice (newest first) with who pressed 收到 and who not."""
    schedule = await schedule_for(service, actor, schedule_id)
    sheets = []
    for occurrence in await service.repo.started_of(schedule_id, ACK_OCCURRENCES):
        reached = await service.repo.sent_to(occurrence.delivery_key)
        pressed = await service.repo.acknowledged(occurrence.id)
        sheets.append(AckSheet(occurrence, [m for m in reached if m.id in pressed],
                               [m for m in reached if m.id not in pressed]))
    return schedule, sheets


@dataclass(frozen=True)
class LogLine:
    """One occurrence that has gone out (or is going out, or was missed or withdrawn)."""

    occurrence: ReminderOccurrence
    delivered: int
    unreachable: int
    failed: int
    to_go: int


@dataclass(frozen=True)
class DeliveryLog:
    lines: list[LogLine]
    unreachable: list[tuple[Member, datetime]]  # members who blocked the bot, and since when


async def delivery_log(service: ReminderService, actor: Actor | None, limit: int
                       ) -> DeliveryLog:
    """The latest occurrences with their deliveries counted (`actor` None: the operator)."""
    if actor is not None and not actor.can(Action.MANAGE_REMINDERS):
        raise NotAllowed
    repo = service.repo
    occurrences = await repo.recent(limit)
    counts = await repo.delivery_counts([o.delivery_key for o in occurrences])
    lines = []
    for occurrence in occurrences:
        got = counts.get(occurrence.delivery_key, {})
        sent, blocked, failed = got.get("sent", 0), got.get("blocked", 0), got.get("failed", 0)
        to_go = max(0, (occurrence.recipients or 0) - sent - blocked - failed)
        lines.append(LogLine(occurrence, sent, blocked, failed, to_go))
    return DeliveryLog(lines, await repo.unreachable())
