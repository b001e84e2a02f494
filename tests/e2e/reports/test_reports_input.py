"""Public-opinion reports, end to end: bad input gets a clear reply and nothing is stored wrongly.

A 1,000-character title, an empty message, stickers where text is expected, text past the
5,000-character limit, ten photos in one album (nine fit, one answer), a search for a co-author
nobody has, forged callback data and validly signed data naming another member's report, and a
user who is not bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.models import ReportCategory
from handlers.reports.buttons import ReportCategoryChoice, ReportChoice
from tests.botapi import BotApiServer, Limits
from tests.e2e.harness import E2E, ErrorLog, InProcessBot, snapshot
from tests.e2e.reports.test_reports import (
    BOT_LIMITS,
    PNG,
    TEXT_1,
    TEXT_2,
    bind_all,
    expect,
    press,
    sign,
    submit,
    text_of,
    write_report,
)


@pytest.fixture
def limits() -> Limits:
    return Limits.off()


@pytest.fixture
def e2e(server: BotApiServer, tmp_path: Path, error_log: ErrorLog) -> E2E:
    return E2E(server, tmp_path, limits=BOT_LIMITS)


def draft(e2e: E2E) -> dict[str, object]:
    [row] = e2e.db("SELECT * FROM reports")
    return row


async def test_bad_input_while_writing(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang = people["张三"]
    await zhang.send("/report")
    await expect(zhang, "标题")

    # the title: a sticker, an empty message, blanks, 1,000 characters — none stored
    await zhang.send_sticker()
    await expect(zhang, "请用文字发送标题")
    await zhang.send("")
    await expect(zhang, "标题不能为空")
    await zhang.send(" \n\u3000 ")
    await expect(zhang, "标题不能为空")
    await zhang.send("标" * 1000)
    await expect(zhang, "标题太长：1000字，最多60字", "没有保存")
    assert draft(e2e)["title"] == ""
    await zhang.send("关于\n社区养老服务的建议")  # a line break is folded into the one line
    categories = await expect(zhang, "类别")
    assert draft(e2e)["title"] == "关于 社区养老服务的建议"

    # the category: only its buttons
    await zhang.send("民生保障")
    again = await expect(zhang, "请点下面的按钮选择类别")
    assert len(again.inline_keyboard) == 4
    assert draft(e2e)["category"] is None
    await press(zhang, categories, "民生保障")
    await expect(zhang, "正文")

    # the text: stickers and empty messages are not text; 5,000 characters in all
    before = snapshot(e2e.db_path)
    await zhang.send_sticker("😀")
    await expect(zhang, "请用文字发送正文")
    await zhang.send("")
    await expect(zhang, "空消息，没有保存")
    await zhang.send("   ")
    await expect(zhang, "空消息，没有保存")
    assert snapshot(e2e.db_path) == before
    await zhang.send("甲" * 4000)
    await expect(zhang, "正文共4000字")
    await zhang.send("乙" * 1500)
    await expect(zhang, "正文太长：加上这段共5501字，最多5000字", "这段没有保存")
    assert draft(e2e)["body"] == "甲" * 4000
    await zhang.send("乙" * 999)
    saved = await expect(zhang, "正文共5000字")
    await press(zhang, saved, "✅ 正文完成")
    await expect(zhang, "照片或文件")

    # attachments: text is not a file; ten photos in one album: nine kept, one answer
    await zhang.send("附件在下面")
    await expect(zhang, "请发送照片或文件")
    for index in range(10):
        await zhang.send_photo(PNG + bytes([index]), media_group_id="ten")
    ack = await expect(zhang, "共9个", "有1个没有保存")
    await zhang.expect_no_message(within=1.5)
    report_id = draft(e2e)["id"]
    assert len(e2e.db("SELECT position FROM report_attachments WHERE report_id = ?",
                      (report_id,))) == 9
    await zhang.send_document(b"one more", "多余.docx")
    await expect(zhang, "共9个", "有1个没有保存")
    await press(zhang, ack, "✅ 附件添加完毕")

    # co-authors: a sticker, a name nobody has
    people_prompt = await expect(zhang, "联名反映人")
    await zhang.send_sticker()
    await expect(zhang, "请用文字发送联名反映人姓名")
    await zhang.send("不存在")
    await expect(zhang, "没有找到姓名含“不存在”")
    await zhang.send("张")  # the author is not offered as a co-author
    await expect(zhang, "没有找到姓名含“张”")
    await press(zhang, people_prompt, "跳过")

    # the preview of a long text: the text comes first, then the summary with the buttons
    pieces = await zhang.next_messages(2)
    assert "".join(text_of(m) for m in pieces) == "甲" * 4000 + "\n" + "乙" * 999
    assert all(m.buttons == [] for m in pieces)
    preview = await expect(zhang, "预览", "5000字，见上方消息", "附件：9个")
    await zhang.send("提交")
    hint = await expect(zhang, "请点下面的按钮")
    assert hint.buttons == preview.buttons
    row = draft(e2e)
    assert (row["status"], len(str(row["body"]))) == ("draft", 5000)


async def test_forged_buttons_and_unbound_users(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang, li = people["张三"], people["李四"]
    await li.send("/report")
    await expect(li, "标题")
    await li.send("李四的草稿")
    await expect(li, "类别")
    [li_draft] = e2e.db("SELECT id FROM reports")
    await zhang.send("/drafts")
    message = await expect(zhang, "您没有草稿")
    before = snapshot(e2e.db_path)

    # not signed by the bot, or altered: refused before anything is looked up
    for forged in (f"rp:1:{li_draft['id']}:submit:AAAAAAAA", "rp:1:1:delete_yes", "rvm:1",
                   f"rpc:1:{li_draft['id']}:economy:" + "x" * 8):
        answer = await zhang.press_data(message, forged)
        assert answer is not None and "按钮已失效" in (answer.text or ""), forged
    # validly signed, but naming another member's report
    for data in (
        ReportChoice(report_id=li_draft["id"], action="submit"),
        ReportChoice(report_id=li_draft["id"], action="delete_yes"),
        ReportChoice(report_id=li_draft["id"], action="resume"),
        ReportCategoryChoice(report_id=li_draft["id"], category=ReportCategory.ECONOMY),
        ReportChoice(report_id=999, action="resume"),
    ):
        answer = await zhang.press_data(message, sign(e2e, data))
        assert answer is not None and "找不到这篇信息" in (answer.text or ""), data
    assert snapshot(e2e.db_path) == before

    # someone who is not on the roster: told how to register, nothing stored
    stranger = e2e.user("Stranger")
    for command in ("/report", "/drafts", "/myreports", "/review", "/export reports"):
        await stranger.send(command)
        await expect(stranger, "您还没有绑定账号")
    await stranger.send_sticker()
    await expect(stranger, "您还没有绑定账号")
    answer = await stranger.press_data(
        stranger.last_message or message,
        sign(e2e, ReportChoice(report_id=li_draft["id"], action="submit")),
    )
    assert answer is not None and "请先在私聊中发送 /start" in (answer.text or "")
    assert snapshot(e2e.db_path) == before

    # in a group chat the command points to the private chat
    group = e2e.server.add_group("一组", members=[zhang])
    await group.add_bot(by=zhang)
    await group.next_message()
    await zhang.send("/report", chat=group)
    assert "私聊" in text_of(await group.next_message())
    assert snapshot(e2e.db_path) == before


async def test_staff_are_told_of_new_and_resubmitted_reports(e2e: E2E) -> None:
    """[reports] new_report_notice = "immediate": every reviewer but the author hears of a new
    or resubmitted report through the sender, once, with a button to open it."""
    e2e.configure("reports", new_report_notice="immediate")
    bot = await e2e.start_bot()
    try:
        people = await bind_all(e2e)
        zhang, wang, zhao, qian = people["张三"], people["王五"], people["赵六"], people["钱七"]
        number = await submit(zhang, await write_report(zhang, "关于路灯的建议", [TEXT_1]))
        notices = {}
        for staff in (wang, zhao, qian):
            notices[staff.id] = await expect(
                staff, "新的社情民意信息", number, "关于路灯的建议", "张三"
            )
            assert notices[staff.id].buttons == [["打开处理"]]
        await press(wang, notices[wang.id], "打开处理")
        card = await expect(wang, number, "已提交")
        assert card.buttons == [["受理", "退回修改"]]
        await press(wang, card, "退回修改")
        await expect(wang, "必填")
        await wang.send("请补充数据。")
        await expect(wang, "已改为：退回修改")
        told = await expect(zhang, number, "退回修改")
        await press(zhang, told, "✏️ 修改后重新提交")
        preview = await expect(zhang, "被退回修改")
        await press(zhang, preview, "✅ 提交修改稿")
        await expect(zhang, "重新提交")
        for staff in (wang, zhao, qian):
            await expect(staff, "重新提交", number, "第2稿")
        # the member who wrote it is not told of their own report, even as staff
        own = await submit(qian, await write_report(qian, "关于诊所的建议", [TEXT_2]))
        await expect(wang, own)
        await qian.expect_no_message(within=0.5)
        sent = e2e.db("SELECT chat_id FROM deliveries WHERE key LIKE 'report_new:%'")
        # 王五, 赵六, 钱七 and the configured admin; 钱七 not of their own report
        assert len(sent) == 4 + 4 + 3
    finally:
        await bot.stop()
