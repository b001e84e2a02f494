"""/export duty end to end: staff receive the 履职登记表 of the seeded year as a document (the
figures as worked out by hand), by group too and by its Chinese name; a bad year, an unknown
group and two years are answered with what to send; members, leaders and group chats are
refused, and nothing is exported for them."""

from __future__ import annotations

import asyncio
import io
import json

from openpyxl import load_workbook

from tests.botapi import MessageView
from tests.duty_world import ALICE, BOB, EXPECTED, ROSTER, STAFF, seed_year
from tests.e2e.harness import E2E, InProcessBot


def workbook_of(e2e: E2E, message: MessageView) -> object:
    assert message.document is not None, message.text
    return load_workbook(io.BytesIO(e2e.server.files[message.document["file_id"]].data))


async def test_staff_export_the_register_and_others_are_refused(e2e: E2E,
                                                                bot: InProcessBot) -> None:
    await e2e.import_roster([(name, phone, "", group, role)
                             for name, phone, group, role in ROSTER])
    await asyncio.to_thread(seed_year, e2e.db_path)  # off the running bot's loop (write_db)
    sun = await e2e.bound_user("孙工", STAFF)

    await sun.send("/export duty 2025")
    sent = await sun.next_message(timeout=15)
    assert sent.document is not None and sent.document["file_name"] == "duty-2025.xlsx"
    assert "2025年度履职登记表（全体委员）" in (sent.text or "")
    book = workbook_of(e2e, sent)
    assert book.sheetnames == ["汇总", "年度排名", "爱丽丝", "鲍勃", "陈晨", "冯离", "丁丁",
                               "鄂尔"]
    summary = {row[0]: row for row in book["汇总"].iter_rows(values_only=True)}
    for phone, name in ((ALICE, "爱丽丝"), (BOB, "鲍勃")):
        want = EXPECTED[phone]
        assert summary[name][4:10] == (want.expected, want.attended, want.late,
                                       want.on_leave, want.absent, want.submitted)
        assert summary[name][18] == want.points
    audit = e2e.db("SELECT actor_tg_id, detail FROM audit_log WHERE action = 'duty_export'")
    assert [(a["actor_tg_id"], json.loads(a["detail"])["members"]) for a in audit] == [
        (sun.id, 6)]

    # by its Chinese name, one group, the year after it
    await sun.send("/export 履职档案 第二活动组 2025")
    group = await sun.next_message(timeout=15)
    assert "2025年度履职登记表（第二活动组）" in (group.text or "")
    assert workbook_of(e2e, group).sheetnames == ["汇总", "年度排名", "丁丁", "鄂尔"]

    await sun.send("/export duty 1999")
    assert "年度须在2000至" in ((await sun.next_message()).text or "")
    await sun.send("/export duty 第九活动组")
    answer = (await sun.next_message()).text or ""
    assert "没有名为“第九活动组”的活动组" in answer and "第一活动组、第二活动组" in answer
    await sun.send("/export duty " + "长" * 3000)
    assert "长" * 40 + "”" in ((await sun.next_message()).text or "")
    await sun.send("/export duty 2024 2025")
    assert "用法：/export duty" in ((await sun.next_message()).text or "")

    # a member and a leader: staff only; a group chat: private only
    for name, phone in (("鲍勃", BOB), ("爱丽丝", ALICE)):
        person = await e2e.bound_user(name, phone)
        await person.send("/export duty 2025")
        refused = await person.next_message()
        assert refused.document is None and "仅限机关工作人员" in (refused.text or "")
    chat = e2e.server.add_group("机关工作群", members=[sun], admins=[e2e.admin])
    await chat.add_bot(by=e2e.admin, as_admin=True)
    await e2e.wait_until_handled()
    chat.skip_pending()
    await sun.send("/export duty 2025", chat)
    in_group = await chat.next_message()
    assert in_group.document is None and "私聊" in (in_group.text or "")
    assert len(e2e.db("SELECT * FROM audit_log WHERE action = 'duty_export'")) == 2
