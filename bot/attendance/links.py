"""Deep-link payloads of attendance that other capabilities' messages carry (请假 buttons)."""

from __future__ import annotations

LEAVE_PREFIX = "lv_"  # t.me/<bot>?start=lv_<event>: ask for leave from that event


def leave_link_payload(event_id: int) -> str:
    return f"{LEAVE_PREFIX}{event_id}"
