"""The deputy leader (副组长), end to end: imported from a roster as 副组长, binds by their own
contact and is greeted as what they are, gets a personal menu with their group's views, sees
their own group's attendance (without the leader's buttons) and is refused everything that
runs the group, also when they forge a leader's button."""

from __future__ import annotations

from tests.e2e.harness import E2E, InProcessBot, bind, snapshot

# 姓名, 手机号, 界别, 活动组, 角色 — as the office types them
ROSTER = [
    ("张三", "13800000001", "经济界", "第一活动组", "委员"),
    ("李四", "13800000002", "教育界", "第一活动组", "组长"),
    ("孙副", "13800000003", "科技界", "第一活动组", "副组长"),
    ("Dora", "13800000004", "", "第二活动组", "deputy"),
    ("赵六", "13800000005", "医卫界", "第二活动组", "委员"),
]
RUN_THE_GROUP = {"newevent", "qr", "markpresent", "editevent", "cancelevent", "bindgroup"}


async def test_a_deputy_binds_and_is_greeted_as_deputy(e2e: E2E, bot: InProcessBot) -> None:
    imported = await e2e.import_roster(ROSTER, chinese=True)
    assert "新增5人，更新0人，未变0人" in imported.stdout
    assert e2e.member("13800000003")["role"] == "deputy"

    sun = e2e.user("Sun", "13800000003")
    bound = await bind(sun)
    assert (bound.text or "").startswith("绑定成功！孙副委员，欢迎您。您是第一活动组的副组长。"), \
        bound.text
    assert e2e.member("13800000003")["telegram_user_id"] == sun.id
    await sun.send("/start")
    hello = await sun.next_message()
    assert (hello.text or "").startswith("孙副委员，您好！您是第一活动组的副组长。"), hello.text
    await sun.share_contact()  # once more: already bound
    again = await sun.next_message()
    assert "已经绑定为孙副（第一活动组）" in (again.text or "")

    dora = e2e.user("Dora", "13800000004", language_code="en")
    bound = await bind(dora)
    assert (bound.text or "").startswith(
        "Your account is bound. Welcome, Dora! You are a deputy leader of 第二活动组."), bound.text

    # the personal menu Telegram shows, and /help: their group's views, nothing that runs it
    zhang = await e2e.bound_user("Zhang", "13800000001")
    menu = {c["command"] for c in sun.visible_commands()}
    assert "attendance" in menu and not menu & RUN_THE_GROUP
    assert "attendance" not in {c["command"] for c in zhang.visible_commands()}
    assert "attendance" in {c["command"] for c in dora.visible_commands()}
    await sun.send("/help")
    listed = (await sun.next_message()).text or ""
    assert "/attendance" in listed and "/newevent" not in listed and "/bindgroup" not in listed


async def test_a_deputy_sees_their_group_and_runs_nothing(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER, chinese=True)
    sun = await e2e.bound_user("Sun", "13800000003")
    li = await e2e.bound_user("Li", "13800000002")
    for title, group in (("一组学习会", "第一活动组"), ("二组视察", "第二活动组")):
        created = await e2e.cli("events", "create", "--type", "会议", "--title", title,
                                "--start", "2031-06-03 9:00", "--end", "11:30",
                                "--groups", group)
        assert created.returncode == 0, created.output

    await sun.send("/attendance 1")
    view = await sun.next_message()
    assert "出勤情况（活动编号1）“一组学习会”" in (view.text or "")
    assert "未签到（3）" in (view.text or "") and "赵六" not in (view.text or "")
    assert view.buttons == [["🔄 刷新"]]  # no "✅ 张三" buttons: marking is not theirs
    refreshed = await sun.press(view, "🔄 刷新")
    assert refreshed is not None

    await sun.send("/attendance 2")
    assert "这个活动不归您管理" in ((await sun.next_message()).text or "")
    await sun.send("/attendance 99")
    assert "99" in ((await sun.next_message()).text or "")
    for refused in ("/newevent", "/markpresent 13800000001", "/qr 1", "/cancelevent 1"):
        await sun.send(refused)
        answer = (await sun.next_message()).text or ""
        assert "组长或机关工作人员" in answer, (refused, answer)

    # the leader's button to mark 张三 present, pressed by the deputy: refused, nothing written
    await li.send("/attendance 1")
    leader_view = await li.next_message()
    assert set(leader_view.buttons[0]) == {"✅ 张三", "✅ 孙副", "✅ 李四"}
    forged = leader_view.inline_keyboard[0][0]["callback_data"]
    before = snapshot(e2e.db_path)
    answer = await sun.press_data(view, forged)
    assert answer is not None and "这个活动不归您管理" in (answer.text or "")
    assert e2e.db("SELECT * FROM checkins") == []
    assert snapshot(e2e.db_path, exclude=("update_inbox",)) == {
        k: v for k, v in before.items() if k != "update_inbox"}

    # in the group's chat, binding the chat is the leader's, not the deputy's
    chat = e2e.server.add_group("一组委员群", members=[sun], admins=[li])
    await chat.add_bot(by=li)
    await chat.next_message()
    await sun.send("/bindgroup", chat=chat)
    assert "此项操作仅限组长或机关工作人员使用" in ((await chat.next_message()).text or "")
    assert e2e.db("SELECT chat_id FROM activity_groups WHERE name = '第一活动组'") == [
        {"chat_id": None}]
