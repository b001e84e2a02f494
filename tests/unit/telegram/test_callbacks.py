"""The callback-data codec refuses anything forged, altered, oversized or stale."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.callbacks import MAX_BYTES, CallbackCodec, InvalidCallback
from handlers.members.buttons import BindGroupChoice, LanguageChoice

codec = CallbackCodec(b"k" * 32)


def test_round_trip_and_size() -> None:
    raw = codec.encode(BindGroupChoice(group_id=12345678))
    assert len(raw.encode()) <= MAX_BYTES
    assert codec.decode(raw) == BindGroupChoice(group_id=12345678)
    assert codec.decode(codec.encode(LanguageChoice(language="en"))) == LanguageChoice(
        language="en"
    )


@pytest.mark.parametrize(
    "raw",
    ["", "bg:1:5", "bg:1:5:AAAAAAAA", "x" * 65, "lang:1:fr:zzzzzzzz", "bg:0:5:abc", ":::"],
)
def test_forged_is_refused(raw: str) -> None:
    with pytest.raises(InvalidCallback):
        codec.decode(raw)


def test_altered_field_or_other_key_is_refused() -> None:
    raw = codec.encode(BindGroupChoice(group_id=5))
    with pytest.raises(InvalidCallback):
        codec.decode(raw.replace(":5:", ":6:"))
    with pytest.raises(InvalidCallback):
        CallbackCodec(b"other").decode(raw)


def test_stale_version_is_refused() -> None:
    body = "bg:0:5"
    raw = f"{body}:{codec._sign(body)}"
    with pytest.raises(InvalidCallback, match="stale"):
        codec.decode(raw)


@given(st.text(max_size=80))
def test_random_data_is_refused_cleanly(raw: str) -> None:
    with pytest.raises(InvalidCallback):
        codec.decode(raw)
