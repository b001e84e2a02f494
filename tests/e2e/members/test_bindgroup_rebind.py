"""A safe /bindgroup, end to end: a chat bound to one activity group is not taken over by the
leader of another; staff are asked before it changes; a rebind is audited and told to the
old group's leader in private; forged and stale presses are answered and change nothing."""

from __future__ import annotations

import json

from tests.botapi import Group, MessageView, Phone
from tests.e2e.harness import E2E, InProcessBot, snapshot

ROSTER = [
    ("张三", "13800000001", "经济界", "第一活动组", "member"),
    ("李四", "13800000002", "教育界", "第一活动组", "leader"),
    ("王五", "13800000003", "", "", "staff"),
    ("赵六", "13800000004", "科技界", "第二活动组", "leader"),
    ("钱七", "13800000005", "文艺界", "第三活动组", "member"),
]
QUESTION_1_TO_2 = "本群目前绑定为第一活动组，确定改为第二活动组吗？"


def bound_to(e2e: E2E, chat: Group) -> list[str]:
    return [row["name"] for row in
            e2e.db("SELECT name FROM activity_groups WHERE chat_id = ?", (chat.id,))]


def unchanged(e2e: E2E, before: dict[str, list[tuple[object, ...]]]) -> bool:
    return snapshot(e2e.db_path) == before


async def staff_asks(wang: Phone, chat: Group, group: str) -> MessageView:
    """Staff send /bindgroup in the chat and press `group`: the question the bot asks."""
    await wang.send("/bindgroup", chat=chat)
    choose = await chat.next_message()
    assert "本群目前绑定为“第一活动组”" in (choose.text or ""), choose
    assert choose.buttons == [["第一活动组"], ["第二活动组"], ["第三活动组"]]
    answer = await wang.press(choose, group)
    assert answer is not None
    return await chat.wait_for(
        lambda m: m.message_id == choose.message_id and "确定改为" in (m.text or ""))


async def test_a_bound_chat_is_not_taken_over_and_staff_confirm_a_rebind(
    e2e: E2E, bot: InProcessBot
) -> None:
    await e2e.import_roster(ROSTER)
    li = await e2e.bound_user("Li", "13800000002")
    wang = await e2e.bound_user("Wang", "13800000003")
    zhao = await e2e.bound_user("Zhao", "13800000004")
    chat = e2e.server.add_group("一组委员群", members=[zhao, wang], admins=[li])
    await chat.add_bot(by=li, as_admin=True)
    await chat.next_message()
    await li.send("/bindgroup", chat=chat)
    await li.press(await chat.next_message(), "第一活动组")
    await chat.wait_for(lambda m: "本群已绑定为“第一活动组”" in (m.text or ""))
    assert bound_to(e2e, chat) == ["第一活动组"]
    before = snapshot(e2e.db_path)

    # the leader of another group: refused with a sentence, the chat stays bound as it was
    await zhao.send("/bindgroup", chat=chat)
    refused = (await chat.next_message()).text or ""
    assert "本群已绑定为“第一活动组”" in refused and "机关工作人员" in refused, refused
    assert unchanged(e2e, before)

    # staff are asked first; nothing changes until they confirm
    question = await staff_asks(wang, chat, "第二活动组")
    assert question.text == QUESTION_1_TO_2
    assert question.buttons == [["确定改绑", "保持原绑定"]]
    assert unchanged(e2e, before)

    # the other group's leader presses the staff's buttons: refused, nothing changes
    answer = await zhao.press(question, "确定改绑")
    assert answer is not None and "机关工作人员" in (answer.text or ""), answer
    answer = await zhao.press(question, "保持原绑定")
    assert answer is not None and "机关工作人员" in (answer.text or ""), answer
    # ... so is a forged button
    answer = await wang.press_data(question, "bgr:1:2:1:yes:AAAAAAAA")
    assert answer is not None and "这个按钮已失效" in (answer.text or "")
    assert unchanged(e2e, before)

    # staff keep the binding: said so, nothing changes
    confirm_1_to_2 = question.inline_keyboard[0][0]["callback_data"]
    await wang.press(question, "保持原绑定")
    kept = await chat.wait_for(lambda m: m.message_id == question.message_id
                               and "仍绑定为“第一活动组”" in (m.text or ""))
    assert kept.inline_keyboard == []
    assert unchanged(e2e, before)
    # a question about 第三活动组, left unanswered (its confirm button is pressed later)
    to_third = await staff_asks(wang, chat, "第三活动组")
    assert to_third.text == "本群目前绑定为第一活动组，确定改为第三活动组吗？"
    confirm_1_to_3 = to_third.inline_keyboard[0][0]["callback_data"]
    assert unchanged(e2e, before)

    # staff confirm: rebound, audited, and the old group's leader is told in private
    question = await staff_asks(wang, chat, "第二活动组")
    await wang.press(question, "确定改绑")
    done = await chat.wait_for(lambda m: m.message_id == question.message_id
                               and "本群已改为绑定“第二活动组”" in (m.text or ""))
    assert "原为“第一活动组”" in (done.text or "") and done.inline_keyboard == []
    assert bound_to(e2e, chat) == ["第二活动组"]
    assert e2e.db("SELECT chat_id FROM activity_groups WHERE name = '第一活动组'") == [
        {"chat_id": None}]
    [audit] = e2e.db("SELECT actor_tg_id, subject, detail FROM audit_log "
                     "WHERE action = 'group_rebind'")
    assert audit["actor_tg_id"] == wang.id
    detail = json.loads(audit["detail"])
    assert (detail["chat_id"], detail["from_group"], detail["to_group"]) == (
        chat.id, "第一活动组", "第二活动组")
    notice = (await li.next_message()).text or ""
    assert notice.startswith("📢 李四组长，您好！"), notice
    assert "“一组委员群”" in notice and "“第二活动组”" in notice and "/bindgroup" in notice
    assert [d["chat_id"] for d in e2e.deliveries() if d["key"].startswith("group_rebind:")] == [
        li.id]
    after = snapshot(e2e.db_path)

    # stale presses: the same confirmation again is answered and changes nothing, tells no
    # one; a confirmation asked before the chat changed is refused
    answer = await wang.press_data(question, confirm_1_to_2)
    assert answer is not None
    answer = await wang.press_data(to_third, confirm_1_to_3)
    assert answer is not None and "已有变化" in (answer.text or "") \
        and "/bindgroup" in (answer.text or ""), answer
    assert bound_to(e2e, chat) == ["第二活动组"]
    await li.expect_no_message(within=0.3)
    assert snapshot(e2e.db_path, exclude=("deliveries",)) == {
        k: v for k, v in after.items() if k != "deliveries"}

    # the new group's leader may now bind it (a no-op); the old one's leader may not take it back
    await li.send("/bindgroup", chat=chat)
    refused = (await chat.next_message()).text or ""
    assert "本群已绑定为“第二活动组”" in refused, refused
    assert bound_to(e2e, chat) == ["第二活动组"]
