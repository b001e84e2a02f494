"""/digest end to end: staff see every group's weekly digest switch and whether its chat is
bound, switch 第一活动组 off and on again with its button (the message shows the new state, the
database holds it, each press is one audit row); a member sending /digest, the command in a
group chat, a member replaying staff's button and forged button data are refused, and nothing
changes."""

from __future__ import annotations

import json

from tests.botapi import MessageView, Phone
from tests.e2e.harness import E2E, InProcessBot, wait_until, write_db

ROSTER = [
    ("王强", "13700000001", "", "第一活动组", "leader"),
    ("张三", "13800000011", "", "第一活动组", "member"),
    ("李明", "13700000002", "", "第二活动组", "leader"),
    ("孙工", "13900000099", "", "", "staff"),
]
CHAT_ID = -1001234567


def now(e2e: E2E, message: MessageView) -> MessageView:
    return MessageView(e2e.server.chats[message.chat_id].by_id[message.message_id])


def lines(message: MessageView) -> list[str]:
    return (message.text or "").split("\n")


def switches(e2e: E2E) -> dict[str, int]:
    return {row["name"]: row["digest_off"]
            for row in e2e.db("SELECT name, digest_off FROM activity_groups ORDER BY id")}


def audit(e2e: E2E) -> list[tuple[int | None, str, bool]]:
    return [(row["actor_tg_id"], row["subject"], json.loads(row["detail"])["on"])
            for row in e2e.db("SELECT actor_tg_id, subject, detail FROM audit_log "
                              "WHERE action = 'duty.digest' ORDER BY id")]


async def answer(e2e: E2E, phone: Phone, typed: str) -> str:
    before = len(phone.messages)
    await phone.send(typed)
    await wait_until(e2e.server, lambda: len(phone.messages) > before, f"an answer to {typed}")
    return phone.messages[before].text or ""


async def test_staff_switch_a_groups_digest_off_and_on_and_others_are_refused(
    e2e: E2E,
) -> None:
    await e2e.import_roster(ROSTER)
    people = {phone: e2e.user(name, phone) for name, phone, *_ in ROSTER}
    e2e.bind_in_db(people)
    staff, zhang = people["13900000099"], people["13800000011"]
    write_db(e2e.db_path, "UPDATE activity_groups SET chat_id = ? WHERE name = '第一活动组'",
             (CHAT_ID,))
    first = e2e.db("SELECT id FROM activity_groups WHERE name = '第一活动组'")[0]["id"]
    bot: InProcessBot = await e2e.start_bot()
    try:
        await staff.send("/digest")
        listing = await staff.wait_for(lambda m: "各活动组每周简报" in (m.text or ""))
        assert lines(listing) == [
            "各活动组每周简报",
            "",
            "· 第一活动组：🔔 已开启",
            "· 第二活动组：🔔 已开启（尚未绑定群聊，暂不发送）",
            "",
            "点击下方按钮，可关闭或重新开启该组的每周简报。未绑定的活动组，请组长在本组群聊中"
            "发送 /bindgroup 绑定。",
        ]
        assert listing.button_texts == ["🔕 关闭第一活动组的简报", "🔕 关闭第二活动组的简报"]
        switch_off = listing.button("🔕 关闭第一活动组的简报")["callback_data"]

        # off: a short popup, the same message shows the new state, stored and audited
        popup = await staff.press(listing, "🔕 关闭第一活动组的简报")
        assert popup is not None and popup.text == "已关闭第一活动组的每周简报。"
        await wait_until(e2e.server, lambda: "🔕 已关闭" in (now(e2e, listing).text or ""),
                         "the list shows the switch off", timeout=5)
        shown = now(e2e, listing)
        assert lines(shown)[2:4] == ["· 第一活动组：🔕 已关闭",
                                     "· 第二活动组：🔔 已开启（尚未绑定群聊，暂不发送）"]
        assert shown.button_texts == ["🔔 开启第一活动组的简报", "🔕 关闭第二活动组的简报"]
        assert switches(e2e) == {"第一活动组": 1, "第二活动组": 0}
        assert audit(e2e) == [(staff.id, f"group:{first}", False)]

        # and on again
        popup = await staff.press(shown, "🔔 开启第一活动组的简报")
        assert popup is not None and popup.text == "已开启第一活动组的每周简报。"
        await wait_until(e2e.server,
                         lambda: "· 第一活动组：🔔 已开启" in (now(e2e, listing).text or ""),
                         "the list shows the switch on", timeout=5)
        assert now(e2e, listing).button_texts == ["🔕 关闭第一活动组的简报",
                                                  "🔕 关闭第二活动组的简报"]
        assert switches(e2e) == {"第一活动组": 0, "第二活动组": 0}
        assert audit(e2e) == [(staff.id, f"group:{first}", False),
                              (staff.id, f"group:{first}", True)]

        # a group without a chat switched on says when it will be sent
        popup = await staff.press(now(e2e, listing), "🔕 关闭第二活动组的简报")
        assert popup is not None and popup.text == "已关闭第二活动组的每周简报。"
        await wait_until(e2e.server, lambda: now(e2e, listing).button_texts[1:] == [
            "🔔 开启第二活动组的简报"], "the second group off", timeout=5)
        popup = await staff.press(now(e2e, listing), "🔔 开启第二活动组的简报")
        assert popup is not None
        assert popup.text == "已开启第二活动组的每周简报；该组绑定群聊后开始发送。"
        assert len(audit(e2e)) == 4
        await wait_until(e2e.server, lambda: now(e2e, listing).button_texts[1:] == [
            "🔕 关闭第二活动组的简报"], "the second group on", timeout=5)
        settled = now(e2e, listing).text

        # a member: the command, staff's button replayed, forged data
        refusal = await answer(e2e, zhang, "/digest")
        assert "只有机关工作人员可以使用" in refusal
        assert "/me" in refusal
        own = zhang.messages[-1]
        assert own.button_texts == []
        popup = await zhang.press_data(own, switch_off)
        assert popup is not None and "只有机关工作人员可以使用" in (popup.text or "")
        forged = switch_off.replace(f":{first}:", f":{first + 1}:")
        assert forged != switch_off
        popup = await zhang.press_data(own, forged)
        assert popup is not None and "按钮已失效" in (popup.text or "")
        # forged by staff too: an altered state, an oversized payload
        popup = await staff.press_data(listing, switch_off.replace(":False:", ":True:"))
        assert popup is not None and "按钮已失效" in (popup.text or "")
        popup = await staff.press_data(listing, switch_off + "x" * 80)
        assert popup is not None and "按钮已失效" in (popup.text or "")

        # in a group chat: private chat only
        chat = e2e.server.add_group("机关工作群", members=[staff], admins=[staff])
        await chat.add_bot(by=staff)
        await staff.send("/digest", chat=chat)
        await chat.wait_for(lambda m: "请在与我的私聊中发送 /digest" in (m.text or ""))
        await e2e.wait_until_handled()

        assert switches(e2e) == {"第一活动组": 0, "第二活动组": 0}
        assert len(audit(e2e)) == 4  # nothing refused was written
        assert now(e2e, listing).text == settled
    finally:
        await bot.stop()
