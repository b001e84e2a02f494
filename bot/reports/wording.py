"""How a report's status reads, in every part that shows it (the review, the author's notices
and /myreports, /me, the exports): staff read the office's terms, authors the same facts gently
(留存 → 留存备用, 不予采用 → 未采用), and level names come from `[[duty_record.levels]]` alone.

An adoption stands when the report is forwarded (报送) on: adopted here and then declined higher
up reads "市级采用；报送省政协未采用", adopted nowhere reads 未采用."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.config import LevelConfig, level_name
from bot.core.texts import tr
from domain.models import ReportStatus

_MEMBER_WORDING = {ReportStatus.KEPT, ReportStatus.NOT_ADOPTED}


def status_label(language: str, status: ReportStatus, *, member: bool = False) -> str:
    if member and status in _MEMBER_WORDING:
        return tr(language, f"report_member_status.{status}")
    return tr(language, f"report_status.{status}")


def status_detail(
    language: str,
    levels: Sequence[LevelConfig],
    status: ReportStatus,
    level: str | None = None,
    forwarded_to: str | None = None,
    *,
    member: bool = False,
) -> str:
    """The status with what goes with it: 已采用（市级）, 已报送省政协; `level` is the highest
    level the report was adopted at, which stays when it is forwarded on."""
    label = status_label(language, status, member=member)
    name = level_name(levels, level, language) if level is not None else None
    if name is not None and status is ReportStatus.FORWARDED and forwarded_to:
        return tr(language, "report.status_adopted_then_forwarded", level=name,
                  to=forwarded_to)
    if name is not None and status is ReportStatus.NOT_ADOPTED:
        return tr(language, "report.status_adopted_then_declined", level=name,
                  to=forwarded_to or "")
    if name is not None and status is ReportStatus.ADOPTED:
        return tr(language, "report.status_with_level", status=label, level=name)
    if status is ReportStatus.FORWARDED and forwarded_to:
        return tr(language, "report.status_with_addressee", status=label, to=forwarded_to)
    return label


def office_status(language: str, levels: Sequence[LevelConfig], status: ReportStatus,
                  level: str | None, forwarded_to: str | None) -> str:
    """A status for the office's spreadsheets, whose level and addressee have columns of their
    own: the word alone, except for a report adopted and then forwarded on, where only both
    facts together are true (市级采用；报送省政协未采用)."""
    if level is not None and status in (ReportStatus.FORWARDED, ReportStatus.NOT_ADOPTED):
        return status_detail(language, levels, status, level, forwarded_to)
    return status_label(language, status)
