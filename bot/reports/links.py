"""Deep-link payloads of reports that other capabilities' messages carry (建言日's 写信息)."""

from __future__ import annotations

from domain.models import ReportCategory

ADVICE_PREFIX = "rpt_"  # t.me/<bot>?start=rpt_<category>: a new report in that category


def advice_link_payload(category: ReportCategory) -> str:
    return f"{ADVICE_PREFIX}{category.value}"


def category_of_payload(payload: str) -> ReportCategory | None:
    try:
        return ReportCategory(payload.removeprefix(ADVICE_PREFIX))
    except ValueError:
        return None
