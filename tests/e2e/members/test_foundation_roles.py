"""Foundation, end to end: /bindgroup by role, /lang, and /help (and the menus) by role."""

from __future__ import annotations

import re

import pytest

from tests.botapi import Limits, MessageView
from tests.e2e.harness import E2E, InProcessBot, bind, snapshot

ROSTER = [
    ("张三", "13800000001", "经济界", "第一活动组", "member"),
    ("李四", "13800000002", "教育界", "第一活动组", "leader"),
    ("王五", "13800000003", "", "", "staff"),
    ("赵六", "13800000004", "科技界", "第二活动组", "leader"),
]


def commands_in(message: MessageView) -> set[str]:
    return set(re.findall(r"^/(\w+)", message.text or "", re.MULTILINE))


async def test_bindgroup_by_leader_works_and_others_are_refused(
    e2e: E2E, bot: InProcessBot
) -> None:
    await e2e.import_roster(ROSTER)
    zhang, li = e2e.user("Zhang", "13800000001"), e2e.user("Li", "13800000002")
    stranger = e2e.user("Stranger", "13799990000")
    await bind(zhang)
    await bind(li)
    chat = e2e.server.add_group("一组委员群", members=[zhang, stranger], admins=[li])
    await chat.add_bot(by=li)
    assert "/bindgroup" in ((await chat.next_message()).text or "")
    before = snapshot(e2e.db_path)

    await zhang.send("/bindgroup", chat=chat)
    assert "此项操作仅限组长或机关工作人员使用" in ((await chat.next_message()).text or "")
    await stranger.send("/bindgroup@liaison_test_bot", chat=chat)
    assert "您还没有绑定账号" in ((await chat.next_message()).text or "")

    await li.send("/bindgroup", chat=chat)
    choose = await chat.next_message()
    assert "本群属于哪个活动组" in (choose.text or "")
    assert choose.buttons == [["第一活动组"]]  # a leader binds only their own group

    refused = await zhang.press(choose, "第一活动组")
    assert refused is not None and "仅限组长或机关工作人员" in (refused.text or "")
    assert snapshot(e2e.db_path) == before

    data = choose.inline_keyboard[0][0]["callback_data"]
    answer = await li.press(choose, "第一活动组")
    assert answer is not None and answer.text is None
    bound = await chat.wait_for(lambda m: "本群已绑定为“第一活动组”" in (m.text or ""))
    assert bound == choose and bound.inline_keyboard == []
    assert "我还不是本群管理员" in (bound.text or "")  # the bot says it lacks rights
    [group] = e2e.db("SELECT chat_id, chat_title FROM activity_groups WHERE name = '第一活动组'")
    assert group == {"chat_id": chat.id, "chat_title": "一组委员群"}
    assert len(e2e.db("SELECT id FROM audit_log WHERE action = 'group_bind'")) == 1

    # a double tap delivers the same button again: answered, no error, nothing new said
    assert await li.press_data(bound, data) is not None
    await chat.expect_no_message(within=0.2)
    assert e2e.db("SELECT chat_id FROM activity_groups WHERE name = '第一活动组'") == [
        {"chat_id": chat.id}
    ]


async def test_bindgroup_by_staff_offers_every_group(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER)
    wang = e2e.user("Wang", "13800000003")
    await bind(wang)
    chat = e2e.server.add_group("二组委员群", admins=[wang])
    await chat.add_bot(by=wang, as_admin=True)
    await chat.next_message()

    await wang.send("/bindgroup", chat=chat)
    choose = await chat.next_message()
    assert choose.buttons == [["第一活动组"], ["第二活动组"]]
    await wang.press(choose, "第二活动组")
    bound = await chat.wait_for(lambda m: "本群已绑定为“第二活动组”" in (m.text or ""))
    assert "⚠️" not in (bound.text or "")  # an admin with the rights it needs: no warning
    assert e2e.db("SELECT name FROM activity_groups WHERE chat_id = ?", (chat.id,)) == [
        {"name": "第二活动组"}
    ]

    await wang.send("/bindgroup")  # in private chat
    assert "请在活动组的群聊中使用" in ((await wang.next_message()).text or "")


# many replies into one chat: without the 1-message-a-second limit this takes a second, not six
@pytest.mark.parametrize(
    ("limits", "bot_limits"), [(Limits.off(), {"private_messages_per_second": 100.0})]
)
async def test_lang_switches_later_replies(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER)
    zhang = e2e.user("Zhang", "13800000001")  # Telegram app in Chinese
    await bind(zhang)

    await zhang.send("/lang")
    choose = await zhang.next_message()
    assert choose.buttons == [["中文", "English"]]
    english = choose.button("English")["callback_data"]
    await zhang.press(choose, "English")
    await zhang.wait_for(lambda m: m == choose and "answer you in English" in (m.text or ""))
    assert await zhang.press_data(choose, english) is not None  # a double tap is harmless
    assert e2e.db("SELECT telegram_user_id, language FROM user_settings") == [
        {"telegram_user_id": zhang.id, "language": "en"}
    ]
    await zhang.send("/help")
    assert "You can use these commands" in ((await zhang.next_message()).text or "")
    await zhang.send("something")
    assert "I could not make out your message" in ((await zhang.next_message()).text or "")

    await zhang.send("/lang zh")
    assert "以后我用中文回复您" in ((await zhang.next_message()).text or "")
    await zhang.send("/help")
    assert "您可以使用以下命令" in ((await zhang.next_message()).text or "")
    assert e2e.db("SELECT language FROM user_settings") == [{"language": "zh"}]


async def test_help_and_menus_differ_by_role(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER)
    people = {
        "member": e2e.user("Zhang", "13800000001"),
        "leader": e2e.user("Li", "13800000002"),
        "staff": e2e.user("Wang", "13800000003", language_code="en"),
    }
    for phone in people.values():
        await bind(phone)
    stranger = e2e.user("Stranger", "13799990000")
    helps = {}
    for role, phone in [*people.items(), ("unbound", stranger)]:
        await phone.send("/help")
        helps[role] = await phone.next_message()

    # other features add commands of their own; these are the differences the roles make
    member, leader, staff = (commands_in(helps[r]) for r in ("member", "leader", "staff"))
    unbound = commands_in(helps["unbound"])
    assert {"start", "help", "lang", "cancel"} <= member
    assert not member & {"bindgroup", "invite", "unbind"}
    assert {"bindgroup"} <= leader - member and not leader & {"invite", "unbind"}
    assert {"bindgroup", "invite", "unbind"} <= staff - member
    assert "You can use these commands" in (helps["staff"].text or "")
    assert {"start", "help", "lang"} <= unbound < member
    assert "请先发送 /start 完成绑定" in (helps["unbound"].text or "")
    assert "请先发送 /start" not in (helps["member"].text or "")

    # the command menus Telegram shows: longer for leaders and staff, per language
    def menu(phone_role: str) -> set[str]:
        return {c["command"] for c in people[phone_role].visible_commands()}

    assert "bindgroup" not in menu("member")
    assert "bindgroup" in menu("leader") and "invite" not in menu("leader")
    assert {"bindgroup", "invite", "unbind"} <= menu("staff")
    staff_menu = {c["command"]: c["description"] for c in people["staff"].visible_commands()}
    assert staff_menu["invite"] == "Make an invite link (by phone)"

    # the bootstrap admin from the config file, not on the roster
    await e2e.admin.send("/start")
    assert "您好，管理员" in ((await e2e.admin.next_message()).text or "")
    await e2e.admin.send("/help")
    assert {"invite", "unbind", "bindgroup"} <= commands_in(await e2e.admin.next_message())


async def test_losing_the_chat_mid_update_is_no_error(e2e: E2E, bot: InProcessBot) -> None:
    """Removed from a group (or blocked) while an update is handled: no error, no apology."""
    await e2e.import_roster(ROSTER)
    zhang = await e2e.bound_user("Zhang", "13800000001")
    chat = e2e.server.add_group("一组委员群", admins=[zhang])
    await chat.add_bot(by=zhang)
    await chat.next_message()
    e2e.server.inject_failure(
        "sendMessage", error_code=403,
        description="Forbidden: bot was kicked from the supergroup chat", times=1,
    )
    await zhang.send("/help", chat=chat)
    await e2e.wait_until_handled()
    await chat.expect_no_message(within=0.2)  # the error handler did not try to apologise
    assert len(e2e.server.calls_for("sendMessage", chat_id=chat.id, ok=False)) == 1
    await zhang.send("/help", chat=chat)
    assert "您可以使用以下命令" in ((await chat.next_message()).text or "")


async def test_each_role_is_greeted_as_what_it_is(e2e: E2E, bot: InProcessBot) -> None:
    """Staff are not 委员 and have no group: "卡罗尔，您好", never "卡罗尔委员…您在（未分组）"."""
    await e2e.import_roster([
        *ROSTER,
        ("卡罗尔", "13800000005", "", "", "staff"),
        ("孙八", "13800000006", "", "", "admin"),
        ("Dora", "13800000007", "", "", "staff"),
    ])
    expected = {
        # phone: (on binding, on /start afterwards)
        "13800000001": ("绑定成功！张三委员，欢迎您。您所在的活动组：第一活动组。",
                        "张三委员，您好！您所在的活动组：第一活动组。"),
        "13800000002": ("绑定成功！李四委员，欢迎您。您是第一活动组的组长。",
                        "李四委员，您好！您是第一活动组的组长。"),
        "13800000005": ("绑定成功！卡罗尔，欢迎您。您是政协机关工作人员。",
                        "卡罗尔，您好！您是政协机关工作人员。"),
        "13800000006": ("绑定成功！孙八，欢迎您。您是本助手的管理员。",
                        "孙八，您好！您是本助手的管理员。"),
    }
    for number, (on_binding, on_start) in expected.items():
        person = e2e.user(f"P{number[-1]}", number)
        bound = await bind(person)
        assert (bound.text or "").startswith(on_binding), bound.text
        await person.send("/start")
        hello = await person.next_message()
        assert (hello.text or "").startswith(on_start), hello.text
        assert "未分组" not in (bound.text or "") + (hello.text or "")
        await person.share_contact()  # once more: already bound, said by role too
        again = await person.next_message()
        assert "未分组" not in (again.text or "") and "无需再次绑定" in (again.text or "")

    dora = e2e.user("Dora", "13800000007", language_code="en")
    bound = await bind(dora)
    assert (bound.text or "").startswith(
        "Your account is bound. Welcome, Dora! You are on the staff of the liaison office."
    ), bound.text
    await dora.send("/start")
    hello = await dora.next_message()
    assert (hello.text or "").startswith("Hello, Dora! You are on the staff of the liaison "
                                         "office."), hello.text
