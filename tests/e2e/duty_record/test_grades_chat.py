"""Staff grade a member from that member's record under /group (作风表现, 群众满意度: one of
the allowed grades, the earlier remarks kept, audited), over the seeded 2025 of
tests/duty_world.py; a leader or a member pressing the same buttons, or forged ones, is
refused and nothing changes."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest

from tests.botapi import MessageView, Phone
from tests.duty_world import ALICE, BOB, ROSTER, STAFF, DutyWorld, seed_year
from tests.e2e.harness import E2E, InProcessBot, wait_until, write_db

STAMP = "2025-12-01T01:30:00.000000+00:00"
THIS_YEAR = 2026  # the bot runs in the middle of the year after the seeded one


@pytest.fixture
def instant() -> str:
    return f"{THIS_YEAR}-06-15 08:00"


@dataclass
class People:
    world: DutyWorld
    alice: Phone  # leader of 第一活动组
    bob: Phone
    staff: Phone


@pytest.fixture
async def people(e2e: E2E) -> People:
    result = await e2e.cli("members", "list")  # the database made, migrated: the world seeded
    assert result.returncode == 0, result.output
    # written off the running bot's event loop (a wait for the write lock would freeze it)
    world = await asyncio.to_thread(seed_year, e2e.db_path)
    await asyncio.to_thread(
        write_db, e2e.db_path, "INSERT INTO duty_grades(member_id, year, dimension, grade, "
        "remarks, set_at) VALUES (?, 2025, 'conduct', '优秀', '积极参加活动', ?)",
        (world.members[BOB], STAMP))
    phones = {phone: e2e.user(name, phone) for name, phone, _, _ in ROSTER}
    await asyncio.to_thread(e2e.bind_in_db, phones)
    return People(world, phones[ALICE], phones[BOB], phones[STAFF])


def now(e2e: E2E, message: MessageView) -> MessageView:
    """The message as it is now (after the bot's edits)."""
    return MessageView(e2e.server.chats[message.chat_id].by_id[message.message_id])


async def edited(e2e: E2E, message: MessageView, wanted: str) -> MessageView:
    await wait_until(e2e.server, lambda: wanted in (now(e2e, message).text or ""),
                     f"the message shows {wanted!r}", timeout=5)
    return now(e2e, message)


def lines(message: MessageView) -> list[str]:
    return (message.text or "").split("\n")


async def bobs_record(phone: Phone, typed: str) -> MessageView:
    """/group … then 鲍勃's name: his 2025 record as a new message."""
    await phone.send(typed)
    overview = await phone.wait_for(lambda m: "第一活动组2025年履职情况" in (m.text or ""))
    await phone.press(overview, "鲍勃")
    return await phone.wait_for(lambda m: "鲍勃委员的2025年履职档案" in (m.text or ""))


async def test_staff_grade_a_member_from_the_record_under_group(
    e2e: E2E, bot: InProcessBot, people: People,
) -> None:
    staff, bob_id = people.staff, people.world.members[BOB]
    record = await bobs_record(staff, "/group 第一活动组 2025")
    assert "作风表现：优秀" in lines(record)
    assert record.button_texts == ["活动", "社情民意", "提案",
                                   "评议作风表现（优秀）", "评议群众满意度（未评议）"]

    await staff.press(record, "评议作风表现（优秀）")
    menu = await edited(e2e, record, "的作风表现")
    assert lines(menu) == ["鲍勃委员2025年的作风表现", "现为：优秀", "备注：积极参加活动",
                           "请选择评议结果，备注保持不变。"]
    assert menu.button_texts == ["优秀（当前）", "良好", "一般", "较差", "‹ 返回"]
    answer = await staff.press(menu, "良好")
    assert answer is not None
    assert answer.text == "已将鲍勃委员2025年的作风表现评为良好，备注保持不变。"
    back = await edited(e2e, record, "作风表现：良好")
    assert back.button_texts[-2:] == ["评议作风表现（良好）", "评议群众满意度（未评议）"]
    assert e2e.db("SELECT grade, remarks, set_by FROM duty_grades WHERE member_id = ? "
                  "AND year = 2025 AND dimension = 'conduct'", (bob_id,)) == [
        {"grade": "良好", "remarks": "积极参加活动", "set_by": staff.id}]
    audit = e2e.db("SELECT actor_tg_id, subject, detail FROM audit_log "
                   "WHERE action = 'duty.grade'")
    assert len(audit) == 1 and audit[0]["actor_tg_id"] == staff.id
    assert audit[0]["subject"] == f"member:{bob_id}"
    detail = json.loads(audit[0]["detail"])
    assert (detail["grade"], detail["before"], detail["remarks"]) == (
        "良好", "优秀", "积极参加活动")

    # 群众满意度, first given; ‹ 返回 leaves the grade as it was
    await staff.press(back, "评议群众满意度（未评议）")
    menu = await edited(e2e, record, "的群众满意度")
    assert lines(menu)[:2] == ["鲍勃委员2025年的群众满意度", "现为：未评议"]
    assert menu.button_texts == ["满意", "基本满意", "不满意", "‹ 返回"]
    await staff.press(menu, "‹ 返回")
    back = await edited(e2e, record, "履职积分")
    await staff.press(back, "评议群众满意度（未评议）")
    menu = await edited(e2e, record, "的群众满意度")
    answer = await staff.press(menu, "基本满意")
    assert answer is not None and answer.text == "已将鲍勃委员2025年的群众满意度评为基本满意。"
    await edited(e2e, record, "群众满意度：基本满意")
    await e2e.wait_until_handled()


async def test_leaders_members_and_forged_buttons_are_refused(
    e2e: E2E, bot: InProcessBot, people: People,
) -> None:
    staff, alice, bob = people.staff, people.alice, people.bob
    record = await bobs_record(staff, "/group 第一活动组 2025")
    open_menu = record.button("评议作风表现（优秀）")["callback_data"]
    await staff.press(record, "评议作风表现（优秀）")
    menu = await edited(e2e, record, "的作风表现")
    set_fair = menu.button("一般")["callback_data"]

    # a leader sees her member's record without the staff's buttons, and cannot press them
    theirs = await bobs_record(alice, "/group 2025")
    assert theirs.button_texts == ["活动", "社情民意", "提案"]
    for data in (open_menu, set_fair):
        popup = await alice.press_data(theirs, data)
        assert popup is not None and popup.text == (
            "只有机关工作人员可以评议作风表现和群众满意度。您可以发送 /me 查看本人的履职档案。")
    # nor the member himself
    await bob.send("/me 2025")
    own = await bob.wait_for(lambda m: "鲍勃委员的2025年履职档案" in (m.text or ""))
    popup = await bob.press_data(own, set_fair)
    assert popup is not None and "只有机关工作人员可以评议" in (popup.text or "")
    # forged: another grade or member than the one signed
    member = str(people.world.members[BOB])
    forged = set_fair.replace(f":{member}:", f":{people.world.members[ALICE]}:")
    assert forged != set_fair
    popup = await staff.press_data(menu, forged)
    assert popup is not None and "按钮已失效" in (popup.text or "")

    await e2e.wait_until_handled()
    assert e2e.db("SELECT grade, remarks FROM duty_grades") == [
        {"grade": "优秀", "remarks": "积极参加活动"}]
    assert e2e.db("SELECT * FROM audit_log WHERE action = 'duty.grade'") == []
    assert now(e2e, theirs).text == theirs.text and now(e2e, own).text == own.text
