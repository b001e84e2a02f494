"""Rotating check-in tokens (rotation, grace, forgery, other events), QR images, distances."""

from __future__ import annotations

import re
import struct
from datetime import UTC, datetime, timedelta

import segno
from hypothesis import given
from hypothesis import strategies as st

from bot.attendance.qr import qr_png
from bot.attendance.rules import distance_m
from bot.attendance.tokens import (
    GRACE_STEPS,
    STEP_SECONDS,
    TokenVerdict,
    code_for,
    current_token,
    delay_until_rotation,
    is_checkin_payload,
    link_payload,
    step_at,
    verify_code,
    verify_link,
)
from bot.telegram.links import deep_link

SECRET = b"s" * 32
OTHER_SECRET = b"t" * 32
NOW = datetime(2025, 3, 1, 1, 0, 7, tzinfo=UTC)
PAYLOAD_CHARS = re.compile(r"[A-Za-z0-9_-]{1,64}")

event_ids = st.integers(min_value=1, max_value=10**12 - 1)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(event_ids, moments)
def test_payload_fits_a_deep_link_and_verifies_while_shown(event_id: int, now: datetime) -> None:
    token = current_token(SECRET, event_id, now)
    assert PAYLOAD_CHARS.fullmatch(token.payload)
    assert is_checkin_payload(token.payload)
    assert re.fullmatch(r"[0-9]{6}", token.code)
    check = verify_link(SECRET, token.payload, now)
    assert check.verdict is TokenVerdict.VALID
    assert check.event_id == event_id
    assert verify_link(SECRET, token.payload, now, event_id=event_id).valid


@given(event_ids, moments, st.integers(min_value=0, max_value=GRACE_STEPS))
def test_previous_tokens_stay_valid_for_the_grace(event_id: int, now: datetime, back: int) -> None:
    step = step_at(now) - back
    assert verify_link(SECRET, link_payload(SECRET, event_id, step), now).valid
    assert verify_code(SECRET, code_for(SECRET, event_id, step), now, event_ids=[event_id]).valid


@given(event_ids, moments, st.integers(min_value=GRACE_STEPS + 1, max_value=10_000))
def test_older_tokens_have_expired(event_id: int, now: datetime, back: int) -> None:
    payload = link_payload(SECRET, event_id, step_at(now) - back)
    check = verify_link(SECRET, payload, now)
    assert check.verdict is TokenVerdict.EXPIRED
    assert check.event_id == event_id


def test_rotation_every_step_and_the_grace_in_seconds() -> None:
    first = current_token(SECRET, 7, NOW)
    same_step = current_token(SECRET, 7, NOW + timedelta(seconds=STEP_SECONDS - 8))
    next_step = current_token(SECRET, 7, NOW + timedelta(seconds=STEP_SECONDS))
    assert first == same_step
    assert next_step.payload != first.payload
    assert next_step.code != first.code
    # the token shown until `shown_until` is still accepted 60 s later, not 61
    replaced = first.shown_until
    assert verify_link(SECRET, first.payload, replaced + timedelta(seconds=59)).valid
    late = verify_link(SECRET, first.payload, replaced + timedelta(seconds=60))
    assert late.verdict is TokenVerdict.EXPIRED
    assert first.valid_until == replaced + timedelta(seconds=60)
    assert delay_until_rotation(NOW) == timedelta(seconds=STEP_SECONDS - 7)


@given(event_ids, moments, st.data())
def test_altered_payloads_are_forged(event_id: int, now: datetime, data: st.DataObject) -> None:
    payload = current_token(SECRET, event_id, now).payload
    position = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    replacement = data.draw(st.sampled_from("0123456789abcXYZ_-"))
    altered = payload[:position] + replacement + payload[position + 1 :]
    if altered != payload:
        assert verify_link(SECRET, altered, now).verdict is TokenVerdict.FORGED


@given(st.text(max_size=80))
def test_arbitrary_text_is_forged(text: str) -> None:
    assert verify_link(SECRET, text, NOW).verdict is TokenVerdict.FORGED


def test_forged_links() -> None:
    step = step_at(NOW)
    good = link_payload(SECRET, 5, step)
    for payload in (
        link_payload(OTHER_SECRET, 5, step),  # another server's secret
        good.replace("ci_5_", "ci_6_"),  # another event, same signature
        good.replace(f"_{step}_", f"_{step - 1}_"),  # another step, same signature
        good + "A",
        "ci_5_1_AAAAAAAAAAAAAAAA",
        "inv_abcdef",
        "",
        link_payload(SECRET, 5, step + 2),  # further ahead than any clock skew
    ):
        assert verify_link(SECRET, payload, NOW).verdict is TokenVerdict.FORGED, payload
    # one step ahead is a clock difference between processes, accepted
    assert verify_link(SECRET, link_payload(SECRET, 5, step + 1), NOW).valid


def test_token_of_another_event_when_one_is_expected() -> None:
    payload = link_payload(SECRET, 5, step_at(NOW))
    check = verify_link(SECRET, payload, NOW, event_id=6)
    assert check.verdict is TokenVerdict.OTHER_EVENT
    assert check.event_id == 5


def test_codes_name_the_event() -> None:
    step = step_at(NOW)
    mine, theirs = 11, 12
    assert verify_code(
        SECRET, code_for(SECRET, mine, step), NOW, event_ids=[mine], other_event_ids=[theirs]
    ).event_id == mine
    other = verify_code(
        SECRET, code_for(SECRET, theirs, step), NOW, event_ids=[mine], other_event_ids=[theirs]
    )
    assert (other.verdict, other.event_id) == (TokenVerdict.OTHER_EVENT, theirs)
    stale = verify_code(
        SECRET, code_for(SECRET, mine, step - GRACE_STEPS - 5), NOW, event_ids=[mine]
    )
    assert (stale.verdict, stale.event_id) == (TokenVerdict.EXPIRED, mine)
    for wrong in ("12345", "1234567", "abcdef", "", code_for(OTHER_SECRET, mine, step)):
        if wrong == code_for(SECRET, mine, step):
            continue
        assert verify_code(SECRET, wrong, NOW, event_ids=[mine]).verdict is TokenVerdict.FORGED
    # an event listed both as the member's and among the others counts as the member's
    both = verify_code(
        SECRET, code_for(SECRET, mine, step), NOW, event_ids=[mine], other_event_ids=[mine]
    )
    assert both.verdict is TokenVerdict.VALID


FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def test_a_code_typed_in_full_width_digits_is_the_code() -> None:
    """A Chinese keyboard types "１２３４５６": the same code as "123456"; other scripts'
    digits (Arabic-Indic) are no code."""
    step = step_at(NOW)
    code = code_for(SECRET, 11, step)
    wide = code.translate(FULL_WIDTH_DIGITS)
    for typed in (wide, f"\u3000{wide} ", code[:3] + wide[3:]):
        check = verify_code(SECRET, typed, NOW, event_ids=[11])
        assert (check.verdict, check.event_id) == (TokenVerdict.VALID, 11), typed
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert verify_code(SECRET, arabic, NOW, event_ids=[11]).verdict is TokenVerdict.FORGED


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**8))
def test_codes_are_six_digits_and_differ_between_purposes(event_id: int, step: int) -> None:
    code = code_for(SECRET, event_id, step)
    assert len(code) == 6
    assert code.isdigit()
    assert verify_link(SECRET, f"ci_{event_id}_{step}_{code}", NOW).verdict is (
        TokenVerdict.FORGED
    )


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_qr_png_of_a_deep_link() -> None:
    payload = current_token(SECRET, 42, NOW).payload
    link = deep_link("@LiaisonBot", payload)
    assert link == f"https://t.me/LiaisonBot?start={payload}"
    png = qr_png(link, scale=10, border=4)
    modules = segno.make(link, error="m", micro=False).symbol_size(scale=1, border=4)
    assert _png_size(png) == (modules[0] * 10, modules[1] * 10)


def test_haversine_distance() -> None:
    assert distance_m(31.23, 121.47, 31.23, 121.47) == 0
    # one degree of latitude is about 111.2 km
    assert abs(distance_m(31.0, 121.0, 32.0, 121.0) - 111_195) < 10
    # Shanghai to Beijing, about 1,067 km
    assert 1_060_000 < distance_m(31.2304, 121.4737, 39.9042, 116.4074) < 1_075_000
