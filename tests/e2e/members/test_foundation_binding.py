"""Foundation, end to end: roster import through the CLI, then binding accounts to members.

Own contact binds and greets by name and group; someone else's contact, an unknown phone and a
second account are refused with a clear reply and change nothing; invite links (CLI and
/invite) work once, then refuse, and refuse after expiry; unbound users are told how to register.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from tests.botapi import BotApiServer, Phone
from tests.e2e.harness import (
    E2E,
    InProcessBot,
    bind,
    share_own_contact,
    snapshot,
    write_roster_xlsx,
)

# 姓名, 手机号, 界别, 活动组, 角色 — written the way offices type them
ROSTER = [
    ("张三", "138-0000-0001", "经济界", "第一活动组", "委员"),
    ("李四", "+86 138 0000 0002", "教育界", "第一活动组", "组长"),
    ("王五", "13800000003", "", "", "工作人员"),
    ("赵六", "0086 13800000004", "科技界", "第二活动组", "委员"),
    ("钱七", "13800000005", "医卫界", "第二活动组", "委员"),
]
INVITE_LINK = re.compile(r"https://t\.me/liaison_test_bot\?start=([A-Za-z0-9_-]+)")
NOT_REGISTERED = "您还没有绑定账号"


@pytest.fixture(autouse=True)
async def _within_telegram_limits(server: BotApiServer) -> AsyncIterator[None]:
    """These tests run with Telegram's flood limits: the bot must keep to them, not get 429s."""
    yield
    assert [c for c in server.calls if c.error_code == 429] == []


def invite_payload(text: str | None) -> str:
    found = INVITE_LINK.search(text or "")
    assert found, f"no invite link in {text!r}"
    payload = found.group(1)
    assert len(payload) <= 64
    return payload


async def test_roster_import_then_binding_by_own_contact(e2e: E2E, bot: InProcessBot) -> None:
    result = await e2e.import_roster(ROSTER, chinese=True)
    assert "新增5人，更新0人，未变0人" in result.stdout
    assert {m["phone"] for m in e2e.db("SELECT phone FROM members")} == {
        f"1380000000{i}" for i in range(1, 6)
    }

    zhang = e2e.user("Zhang", "13800000001")
    await zhang.start()
    welcome = await zhang.next_message()
    assert "测试市政协" in (welcome.text or "")
    assert zhang.keyboard == [["📱 分享我的手机号"]]
    await zhang.tap("📱 分享我的手机号")
    bound = await zhang.next_message()
    assert "绑定成功" in (bound.text or "")
    assert "张三" in (bound.text or "") and "第一活动组" in (bound.text or "")
    assert zhang.keyboard is None  # the share button is gone

    row = e2e.member("13800000001")
    assert row["telegram_user_id"] == zhang.id and row["bound_at"] is not None
    audit = e2e.db("SELECT actor_tg_id, subject FROM audit_log WHERE action = 'member_bind'")
    assert audit == [{"actor_tg_id": zhang.id, "subject": f"member:{row['id']}"}]

    await zhang.send("/start")
    hello = await zhang.next_message()
    assert "张三委员，您好" in (hello.text or "") and "第一活动组" in (hello.text or "")

    # sharing the contact once more is harmless
    await zhang.share_contact()
    again = await zhang.next_message()
    assert "已经绑定为张三" in (again.text or "")
    assert len(e2e.db("SELECT id FROM audit_log WHERE action = 'member_bind'")) == 1


async def test_refusals_are_clear_and_change_nothing(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER, chinese=True)
    zhang = e2e.user("Zhang", "13800000001")
    await bind(zhang)
    before = snapshot(e2e.db_path)

    # someone else's contact card (no user_id, or another user's id)
    mallory = e2e.user("Mallory", "13700000009")
    await mallory.start()
    await mallory.next_message()
    await mallory.share_contact("+8613800000002", first_name="李四")
    assert "只能分享您自己的联系方式" in ((await mallory.next_message()).text or "")
    await mallory.share_contact("8613800000004", user_id=zhang.id, first_name="赵六")
    assert "只能分享您自己的联系方式" in ((await mallory.next_message()).text or "")

    # an own contact whose number is not on the roster
    await mallory.share_contact()
    assert "名册中没有这个手机号" in ((await mallory.next_message()).text or "")

    # a second Telegram account with the phone of an already bound member
    second = e2e.user("Zhang's new phone", "13800000001")
    answer = await share_own_contact(second)
    assert "该委员已绑定了另一个 Telegram 账号" in (answer.text or "")

    # the bound account trying to become another member through that member's invite
    invite = await e2e.cli("members", "invite", "13800000004")
    assert invite.returncode == 0, invite.output
    before = snapshot(e2e.db_path)  # the CLI wrote the invite
    await zhang.start(invite_payload(invite.stdout))
    assert "已绑定为张三，不能再绑定其他委员" in ((await zhang.next_message()).text or "")

    assert snapshot(e2e.db_path) == before
    assert e2e.member("13800000001")["telegram_user_id"] == zhang.id
    assert e2e.member("13800000004")["telegram_user_id"] is None


async def test_invite_link_from_cli_works_once_then_refuses(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER, chinese=True)
    result = await e2e.cli("members", "invite", "138 0000 0004")
    assert result.returncode == 0, result.output
    payload = invite_payload(result.stdout)
    assert "赵六" in result.stdout

    # the member's Telegram account has another number than the roster: the link still works
    zhao = e2e.user("Zhao", "13611112222")
    await zhao.start(payload)
    bound = await zhao.next_message()
    assert "绑定成功" in (bound.text or "") and "赵六" in (bound.text or "")
    assert e2e.member("13800000004")["telegram_user_id"] == zhao.id
    [invite] = e2e.db("SELECT used_by, used_at FROM invites")
    assert invite["used_by"] == zhao.id and invite["used_at"] is not None

    # opened again by its owner: nothing to do; by anyone else: used up
    await zhao.start(payload)
    assert "无需再次绑定" in ((await zhao.next_message()).text or "")
    before = snapshot(e2e.db_path)
    eve = e2e.user("Eve", "13711112222")
    await eve.start(payload)
    assert "这个邀请链接已经用过了" in ((await eve.next_message()).text or "")
    assert snapshot(e2e.db_path) == before


async def test_expired_invite_is_refused(e2e: E2E) -> None:
    """An invite lives seven days: opened a week and a minute after it was made, it is
    refused."""
    made = e2e.travel("2027-03-09 10:00")  # a Tuesday
    await e2e.import_roster(ROSTER, chinese=True)
    result = await e2e.cli("members", "invite", "13800000005")
    payload = invite_payload(result.stdout)
    [invite] = e2e.db("SELECT expires_at FROM invites")
    expires = datetime.fromisoformat(invite["expires_at"])
    assert made + timedelta(days=7) <= expires < made + timedelta(days=7, minutes=5)

    e2e.travel(expires + timedelta(minutes=1))
    bot = await e2e.start_bot()
    try:
        before = snapshot(e2e.db_path)
        qian = e2e.user("Qian", "13622223333")
        await qian.start(payload)
        assert "这个邀请链接已过期" in ((await qian.next_message()).text or "")
        assert snapshot(e2e.db_path) == before
        assert e2e.member("13800000005")["telegram_user_id"] is None
    finally:
        await bot.stop()


async def test_invite_command_for_staff_only(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER, chinese=True)
    wang, zhang = e2e.user("Wang", "13800000003"), e2e.user("Zhang", "13800000001")
    await bind(wang)
    await bind(zhang)

    await zhang.send("/invite 13800000004")
    assert "此项操作仅限机关工作人员使用" in ((await zhang.next_message()).text or "")
    await wang.send("/invite 13900001111")
    assert "名册中没有手机号为13900001111的委员" in ((await wang.next_message()).text or "")
    assert e2e.db("SELECT token FROM invites") == []

    await wang.send("/invite 138-0000-0004")
    made = await wang.next_message()
    assert "赵六的邀请链接" in (made.text or "")
    payload = invite_payload(made.text)

    zhao = e2e.user("Zhao", "13611112222")
    await zhao.start(payload)
    assert "绑定成功" in ((await zhao.next_message()).text or "")
    assert e2e.member("13800000004")["telegram_user_id"] == zhao.id
    [invite] = e2e.db("SELECT created_by, used_by FROM invites")
    assert invite == {"created_by": wang.id, "used_by": zhao.id}

    eve = e2e.user("Eve", "13711112222")
    await eve.start(payload)
    assert "已经用过了" in ((await eve.next_message()).text or "")
    assert e2e.member("13800000004")["telegram_user_id"] == zhao.id


async def test_unbound_user_is_told_how_to_register(e2e: E2E, bot: InProcessBot) -> None:
    await e2e.import_roster(ROSTER, chinese=True)
    before = snapshot(e2e.db_path)
    stranger = e2e.user("Stranger", "13755556666")
    for said in ("你好", "/invite 13800000001", "/unbind 13800000001"):
        await stranger.send(said)
        answer = await stranger.next_message()
        assert NOT_REGISTERED in (answer.text or ""), (said, answer)
    assert stranger.keyboard == [["📱 分享我的手机号"]]

    english: Phone = e2e.user("Tourist", "13755557777", language_code="en")
    await english.send("hello")
    assert "Your account is not bound yet" in ((await english.next_message()).text or "")
    await english.send("/start inv_AAAAAAAAAAAAAAAAAAAAAAAA")
    assert "invite link is not valid" in ((await english.next_message()).text or "")
    assert snapshot(e2e.db_path) == before


async def test_bad_roster_rows_are_all_reported_and_nothing_is_written(e2e: E2E) -> None:
    await e2e.import_roster(ROSTER[:2], xlsx=True)
    before = snapshot(e2e.db_path)
    bad = [
        ("张三丰", "13800000001", "经济界", "第一活动组", "member"),  # an update, but…
        ("", "13800000006", "", "第一活动组", "member"),
        ("孙八", "12345", "", "第一活动组", "member"),
        ("周九", "13800000007", "", "第一活动组", "chairman"),
        ("吴十", "13800000008", "", "第二活动组", "leader"),
        ("郑十一", "138 0000 0008", "", "第二活动组", "member"),
    ]
    path = e2e.folder / "bad.xlsx"
    write_roster_xlsx(path, bad)
    result = await e2e.cli("members", "import", path)
    assert result.returncode == 1
    reported = [line for line in result.stdout.splitlines() if line.startswith("第")]
    assert [line.split("：")[0] for line in reported] == ["第3行", "第4行", "第5行", "第7行"]
    assert "缺少姓名" in reported[0] and "手机号格式不对：“12345”" in reported[1]
    assert "角色填写不对：“chairman”" in reported[2]
    assert reported[3] == "第7行：与第6行手机号相同"
    assert result.stdout.splitlines()[-1] == "有问题的行共4行，未写入任何内容"
    assert snapshot(e2e.db_path) == before

    dry = await e2e.cli("members", "import", "--dry-run",
                        write_roster_xlsx(e2e.folder / "next.xlsx", ROSTER))
    assert dry.returncode == 0
    assert dry.stdout.splitlines()[-1] == "新增3人，更新0人，未变2人（试运行：未写入任何内容）"
    assert snapshot(e2e.db_path) == before
