"""The world of the attendance end-to-end tests: two activity groups and a staff member on the
roster, the groups' chats bound with /bindgroup, the bot running with an announcer that looks
every half second, events made the way `liaison-bot events create` makes them, and the
rotating tokens derived from the secret in the database (as the bot derives them)."""

# ruff: noqa: ASYNC109  (explicit timeouts, as in the harness)
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.attendance import tokens as checkin_tokens
from bot.attendance.cli import EventArguments, create_event_cli, draft_from
from bot.attendance.service import AttendanceService
from storage.db import Database
from storage.members import MemberRepository
from storage.secrets import server_secret
from tests.botapi import Group, MessageView, Phone
from tests.e2e.harness import E2E, InProcessBot

ZONE = ZoneInfo("Asia/Shanghai")
VENUE = (31.2304, 121.4737)  # 上海, 人民广场

# 姓名, 手机号, 界别, 活动组, 角色
ROSTER = [
    ("李组长", "13800000001", "经济界", "第一活动组", "leader"),
    ("张三", "13800000011", "经济界", "第一活动组", "member"),
    ("李四", "13800000012", "教育界", "第一活动组", "member"),
    ("王五", "13800000013", "科技界", "第一活动组", "member"),
    ("周八", "13800000014", "文艺界", "第一活动组", "member"),  # never links an account
    ("赵组长", "13800000002", "医卫界", "第二活动组", "leader"),
    ("钱七", "13800000021", "医卫界", "第二活动组", "member"),
    ("孙工", "13800000099", "", "", "staff"),
]
GROUP_1_EXPECTED = 5


@dataclass
class World:
    e2e: E2E
    bot: InProcessBot
    leader: Phone  # 李组长, leader of 第一活动组
    zhang: Phone
    li: Phone
    wang: Phone
    leader2: Phone  # 赵组长, leader of 第二活动组
    qian: Phone  # 钱七, 第二活动组
    staff: Phone  # 孙工
    zhou: Phone  # 周八's own account, never linked to the roster
    stranger: Phone  # nobody on the roster
    chat1: Group  # 第一活动组's chat (the bot is an admin there)
    chat2: Group  # 第二活动组's chat

    def member_id(self, phone: Phone) -> int:
        rows = self.e2e.db("SELECT id FROM members WHERE telegram_user_id = ?", (phone.id,))
        assert rows, f"{phone} is not linked"
        return int(rows[0]["id"])

    def checkins(self, event_id: int) -> dict[str, dict[str, object]]:
        """name → the check-in row, for the event."""
        rows = self.e2e.db(
            "SELECT m.name, c.method, c.late, c.marked_by, c.at FROM checkins c "
            "JOIN members m ON m.id = c.member_id WHERE c.event_id = ?", (event_id,)
        )
        return {str(r["name"]): r for r in rows}


async def bind_chat(chat: Group, by: Phone, group_name: str) -> None:
    """/bindgroup in `chat`, pressed by `by`."""
    await by.send("/bindgroup", chat=chat)
    choose = await chat.wait_for(lambda m: "本群属于哪个活动组" in (m.text or "")
                                 and not m.edit_count)
    await by.press(choose, group_name)
    await chat.wait_for(lambda m: f"本群已绑定为“{group_name}”" in (m.text or ""))


async def make_world(e2e: E2E, *, bind_chat2: bool = True) -> World:
    """The roster imported, accounts linked, both chats bound (the second unless told not)."""
    await e2e.import_roster(ROSTER)
    e2e.configure("attendance", announce_every_seconds=0.5)
    people = {
        "13800000001": e2e.user("Leader", "13800000001"),
        "13800000011": e2e.user("Zhang", "13800000011"),
        "13800000012": e2e.user("Li", "13800000012"),
        "13800000013": e2e.user("Wang", "13800000013"),
        "13800000002": e2e.user("Zhao", "13800000002"),
        "13800000021": e2e.user("Qian", "13800000021"),
        "13800000099": e2e.user("Sun", "13800000099"),
    }
    e2e.bind_in_db(people)
    zhou = e2e.user("Zhou", "13800000014")
    stranger = e2e.user("Stranger", "13799990000")
    bot = await e2e.start_bot()
    for phone in people.values():  # every linked member has opened the bot once
        await phone.send("/start")
        await phone.next_message()
    leader, zhang, li, wang = (people[p] for p in ("13800000001", "13800000011",
                                                   "13800000012", "13800000013"))
    leader2, qian, staff = (people[p] for p in ("13800000002", "13800000021", "13800000099"))
    chat1 = e2e.server.add_group(
        "第一活动组委员群", members=[zhang, li, wang, zhou, stranger, qian, staff],
        admins=[leader],
    )
    await chat1.add_bot(by=leader, as_admin=True)
    await bind_chat(chat1, leader, "第一活动组")
    chat2 = e2e.server.add_group("第二活动组委员群", members=[qian], admins=[leader2])
    await chat2.add_bot(by=leader2, as_admin=True)
    if bind_chat2:
        await bind_chat(chat2, leader2, "第二活动组")
    chat1.skip_pending()
    chat2.skip_pending()
    return World(e2e, bot, leader, zhang, li, wang, leader2, qian, staff, zhou, stranger,
                 chat1, chat2)


async def crowd(e2e: E2E, members: int) -> dict[str, Phone]:
    """`members` members of 第一活动组 on the roster, their accounts linked in the database
    (phone number → phone), and the announcer looking every half second: a burst's setup."""
    width = max(3, len(str(members)))
    numbers = [f"138{i:08d}" for i in range(1, members + 1)]
    await e2e.import_roster([(f"委员{i:0{width}d}", n, "", "第一活动组", "member")
                             for i, n in enumerate(numbers, 1)])
    e2e.configure("attendance", announce_every_seconds=0.5)
    phones = {n: e2e.user(f"M{n[-width:]}", n) for n in numbers}
    e2e.bind_in_db(phones)
    return phones


async def crowd_chat(e2e: E2E, phones: dict[str, Phone]) -> Group:
    """第一活动组's chat with the crowd in it, the bot added as admin and the chat bound by the
    bootstrap admin (bot running)."""
    chat = e2e.server.add_group("第一活动组委员群", members=list(phones.values()),
                                admins=[e2e.admin])
    await chat.add_bot(by=e2e.admin, as_admin=True)
    await bind_chat(chat, e2e.admin, "第一活动组")
    return chat


def local_text(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


async def create_event(
    e2e: E2E,
    title: str = "十二月委员阅读日",
    *,
    starts_in: timedelta = timedelta(minutes=10),
    length: timedelta = timedelta(hours=2),
    groups: str = "第一活动组",
    policy: str = "open",
    venue: tuple[float, float, int] | None = None,
    kind: str = "reading",
) -> int:
    """An event created as `liaison-bot events create` creates it; its number. One that has
    started already (`starts_in` < 0) is made as it was made before it started: through the
    service, with a clock from then (a start in the past is refused, and rightly)."""
    starts = e2e.now() + starts_in
    lat, lon, radius = venue if venue else (None, None, None)
    given = EventArguments(
        type=kind, title=title, start=local_text(starts), end=local_text(starts + length),
        place="市政协三楼会议室", groups=groups, policy=policy, lat=lat, lon=lon, radius=radius,
    )
    if starts_in < timedelta(0):
        config = e2e.config()
        async with Database(config.storage.path, config.clock) as db:
            members = MemberRepository(db)
            draft = draft_from(given, await members.list_groups(), config, starts)
            service = AttendanceService(db, members, config.zone,
                                        clock=lambda: starts - timedelta(minutes=1))
            change = await service.create_event(None, draft)
            await service.close()
        assert change.event is not None
        return change.event.id
    out = io.StringIO()
    assert await create_event_cli(e2e.config(), given, out=out) == 0, out
    found = re.search(r"活动编号(\d+)", out.getvalue())
    assert found, out.getvalue()
    return int(found.group(1))


async def announcement(chat: Group, event_id: int, timeout: float = 10.0) -> MessageView:
    """The announcement of the event in the chat, once the announcer has posted it (the
    chat's cursor moves past it)."""
    found = await chat.wait_for(lambda m: f"活动通知（活动编号{event_id}）" in (m.text or ""),
                                timeout=timeout)
    chat.skip_pending()
    return found


async def checkin_secret(e2e: E2E) -> bytes:
    """The server secret of check-in tokens (made on first use, by the bot or here)."""
    async with Database(e2e.db_path, e2e.clock) as db:
        return await server_secret(db, "checkin")


async def link_payload(e2e: E2E, event_id: int, *, steps_ago: int = 0) -> str:
    """The QR deep-link payload of the event now (or `steps_ago` 30-second steps ago)."""
    step = checkin_tokens.step_at(e2e.now()) - steps_ago
    return checkin_tokens.link_payload(await checkin_secret(e2e), event_id, step)


async def code(e2e: E2E, event_id: int, *, steps_ago: int = 0) -> str:
    step = checkin_tokens.step_at(e2e.now()) - steps_ago
    return checkin_tokens.code_for(await checkin_secret(e2e), event_id, step)


async def expect(phone: Phone, *parts: str, timeout: float = 5.0) -> MessageView:
    """The next message the bot sends `phone` privately; it must contain every part."""
    message = await phone.next_message(timeout)
    body = message.text or ""
    assert all(part in body for part in parts), (parts, body)
    return message
