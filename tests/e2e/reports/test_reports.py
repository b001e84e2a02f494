"""Public-opinion reports (社情民意信息), end to end, as phones through the Bot API test server.

A member writes a full report (title, category, text in two messages, an album of two photos and
a document, a co-author) and submits it; staff review it to adopted at city level with a note,
and the author (and co-author) hear of each step. A report returned with a note is reworked and
resubmitted, both versions kept. Every move the status machine does not have is refused; members
cannot open /review; staff cannot review their own report; two staff pressing at once: one wins.
/myreports, /drafts, a leader's comment and /export reports (the xlsx opened with openpyxl).

Helpers here are shared by the other test_reports_* files.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.telegram.callbacks import CallbackCodec, CallbackData
from domain.models import ReportStatus
from handlers.reports.buttons import ReviewList, ReviewMove, ReviewUndo
from tests.botapi import BotApiServer, Limits, MessageView, Phone
from tests.e2e.harness import E2E, ErrorLog, InProcessBot, bind, snapshot

ROSTER = [
    ("张三", "13800000001", "经济界", "第一活动组", "member"),
    ("李四", "13800000002", "教育界", "第一活动组", "member"),
    ("王五", "13800000003", "", "", "staff"),
    ("赵六", "13800000004", "", "", "staff"),
    ("钱七", "13800000005", "医卫界", "第二活动组", "staff"),  # staff who also writes reports
]
# The server's and the bot's flood limits are lifted: these tests are about what the bot says
# and stores, and a conversation of 30 messages would otherwise take 30 seconds.
BOT_LIMITS = {"private_messages_per_second": 1000.0, "messages_per_second": 1000.0}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (8).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
NUMBER = re.compile(r"\b(\d{4}-\d{4})\b")
TEXT_1 = "我市部分老旧小区加装电梯推进缓慢，居民意见较大。"
TEXT_2 = "建议简化审批流程，设立专项补贴，由街道牵头协调低层住户。"


@pytest.fixture
def limits() -> Limits:
    return Limits.off()


@pytest.fixture
def e2e(server: BotApiServer, tmp_path: Path, error_log: ErrorLog) -> E2E:
    return E2E(server, tmp_path, limits=BOT_LIMITS)


# -- helpers shared by the test_reports_* files ----------------------------------------------
def text_of(message: MessageView | None) -> str:
    return (message.text or "") if message is not None else ""


async def expect(phone: Phone, *parts: str, wait: float = 5.0) -> MessageView:
    """The next message the bot sends `phone` (within `wait` s); it must contain every part."""
    message = await phone.next_message(wait)
    for part in parts:
        assert part in text_of(message), f"{part!r} not in {text_of(message)[:300]!r}"
    return message


async def press(phone: Phone, message: MessageView, button: str) -> str | None:
    """Press a button; the popup text, if any."""
    answer = await phone.press(message, button)
    return answer.text if answer is not None else None


async def bind_all(e2e: E2E) -> dict[str, Phone]:
    """Import the roster and bind everyone: {name: phone}."""
    await e2e.import_roster(ROSTER)
    phones = {}
    for name, phone_number, *_ in ROSTER:
        phones[name] = e2e.user(name, phone_number)
        await bind(phones[name])
    return phones


def codec(e2e: E2E) -> CallbackCodec:
    """The bot's own callback codec (its secret read from the database): validly signed data."""
    [row] = e2e.db("SELECT value FROM app_secrets WHERE name = 'callback'")
    return CallbackCodec(bytes(row["value"]))


def sign(e2e: E2E, data: CallbackData) -> str:
    return codec(e2e).encode(data)


async def write_report(
    phone: Phone,
    title: str,
    texts: list[str],
    *,
    category: str = "民生保障",
    photos: int = 0,
    document: bool = False,
    coauthor: str | None = None,
) -> MessageView:
    """/report through to the preview; returns the preview message (with its buttons)."""
    await phone.send("/report")
    await expect(phone, "标题", "第1/5步")
    await phone.send(title)
    categories = await expect(phone, "类别")
    assert len(categories.inline_keyboard) == 4 and all(
        len(row) == 2 for row in categories.buttons
    )
    await press(phone, categories, category)
    await expect(phone, "正文", "第3/5步")
    saved = None
    for piece in texts:
        await phone.send(piece)
        saved = await expect(phone, "已记下")
    assert saved is not None
    await press(phone, saved, "✅ 正文完成")
    files_prompt = await expect(phone, "照片或文件", "第4/5步")
    if photos or document:
        for _ in range(photos):
            await phone.send_photo(PNG, media_group_id="album-1" if photos > 1 else None)
        if document:
            await phone.send_document(b"%PDF-1.4 report", "调研材料.pdf", "application/pdf")
        ack = await expect(phone, f"共{photos + int(document)}个")
        await phone.expect_no_message(within=1.2)  # one answer for the album and the file
        await press(phone, ack, "✅ 附件添加完毕")
    else:
        await press(phone, files_prompt, "跳过")
    people = await expect(phone, "联名反映人", "第5/5步")
    if coauthor is not None:
        await phone.send(coauthor[:1])
        found = await expect(phone, "请点选")
        [button] = [b for b in found.button_texts if b.startswith(coauthor)]
        await press(phone, found, button)
        added = await phone.wait_for(lambda m: "已添加联名反映人" in text_of(m))
        await press(phone, added, "✅ 完成")
    else:
        await press(phone, people, "跳过")
    return await expect(phone, "预览")


async def submit(phone: Phone, preview: MessageView) -> str:
    """Press 提交 on the preview; the report's number."""
    assert await press(phone, preview, "✅ 提交") is None
    done = await expect(phone, "已提交")
    found = NUMBER.search(text_of(done))
    assert found, done
    return found.group(1)


async def open_report(staff: Phone, number: str, *, files: int = 0) -> MessageView:
    """/review NUMBER, open it; returns the card (after its files)."""
    await staff.send(f"/review {number}")
    found = await expect(staff, "找到1篇")
    [button] = [b for b in found.button_texts if b.startswith(number)]
    await press(staff, found, button)
    for _ in range(files):
        await staff.next_message()
    return await expect(staff, number)


def report_row(e2e: E2E, number: str) -> dict[str, object]:
    [row] = e2e.db("SELECT * FROM reports WHERE number = ?", (number,))
    return row


# -- the tests --------------------------------------------------------------------------------
async def test_full_report_reviewed_to_adopted_with_every_step_told(
    e2e: E2E, bot: InProcessBot
) -> None:
    people = await bind_all(e2e)
    zhang, li, wang = people["张三"], people["李四"], people["王五"]

    preview = await write_report(
        zhang, "关于加快老旧小区加装电梯的建议", [TEXT_1, TEXT_2], photos=2, document=True,
        coauthor="李四",
    )
    shown = text_of(preview)
    for part in ("关于加快老旧小区加装电梯的建议", "民生保障", "附件：3个", "联名反映人：李四",
                 TEXT_1, TEXT_2):
        assert part in shown, part
    # one clear set: ⏸ 暂存退出 keeps the draft, 🗑 删除 deletes it (issue 13, item 14)
    assert preview.buttons == [["✅ 提交", "✏️ 修改"], ["⏸ 暂存退出", "🗑 删除"]]
    number = await submit(zhang, preview)
    row = report_row(e2e, number)
    assert row["status"] == "submitted" and row["body"] == f"{TEXT_1}\n{TEXT_2}"
    kinds = e2e.db("SELECT kind, file_name FROM report_attachments WHERE report_id = ? "
                   "ORDER BY position", (row["id"],))
    assert kinds == [{"kind": "photo", "file_name": None}, {"kind": "photo", "file_name": None},
                     {"kind": "document", "file_name": "调研材料.pdf"}]

    # staff: the queue, then the report with its three files, then the moves
    await wang.send("/review")
    queue = await expect(wang, "待处理1篇", "已提交1")
    [button] = [b for b in queue.button_texts if b.startswith(number)]
    await press(wang, queue, button)
    files = await wang.next_messages(3)
    assert [bool(m.photo) for m in files] == [True, True, False]
    assert files[2].document is not None and files[2].document["file_name"] == "调研材料.pdf"
    card = await expect(wang, number, "张三", "第一活动组", "民生保障", TEXT_2)
    assert card.buttons == [["受理", "退回修改"]]

    assert await press(wang, card, "受理") is None
    await expect(wang, f"{number}已改为：已受理", "已通知反映人（2人）")
    card = await wang.wait_for(lambda m: m == card and "已受理" in text_of(m))
    assert card.buttons == [["采用", "报送"], ["留存", "不予采用"], ["退回修改"]]
    told = await expect(zhang, "关于加快老旧小区加装电梯的建议", number, "已受理")
    assert told.buttons == []
    await expect(li, number, "已受理")  # the co-author hears too
    # the same press again (a double tap, or delivered again after a restart): nothing new
    report_id = int(str(report_row(e2e, number)["id"]))
    again = sign(e2e, ReviewMove(report_id=report_id, to=ReportStatus.ACCEPTED,
                                 expected=ReportStatus.SUBMITTED))
    repeated = await wang.press_data(card, again)
    # the staff member is told it is done already (issue 13, item 16), the author not again
    assert repeated is not None and repeated.text is not None
    assert number in repeated.text and "已受理" in repeated.text and "您已" in repeated.text
    await zhang.expect_no_message(within=0.3)

    await press(wang, card, "采用")
    levels = await wang.wait_for(lambda m: m == card and "市级" in m.button_texts)
    await press(wang, levels, "市级")
    await expect(wang, "采用级别：市级", "说明")
    await wang.send("已转市政府研究室，列入年度重点督办。")
    await expect(wang, f"{number}已改为：已采用（市级）")
    adopted = await expect(zhang, number, "已采用（市级）", "已转市政府研究室")
    assert "说明：" in text_of(adopted)

    row = report_row(e2e, number)
    assert (row["status"], row["level"]) == ("adopted", "city")
    moves = e2e.db("SELECT from_status, to_status, note, level, actor_tg_id FROM report_moves "
                   "WHERE report_id = ? ORDER BY id", (row["id"],))
    assert [(m["from_status"], m["to_status"]) for m in moves] == [
        ("draft", "submitted"), ("submitted", "accepted"), ("accepted", "adopted")
    ]
    assert moves[2]["note"] == "已转市政府研究室，列入年度重点督办。"
    assert moves[2]["level"] == "city"
    assert moves[1]["actor_tg_id"] == moves[2]["actor_tg_id"] == wang.id
    audit = e2e.db("SELECT action FROM audit_log WHERE subject = ? ORDER BY id",
                   (f"report:{row['id']}",))
    assert [a["action"] for a in audit].count("report_move") == 2
    sent = e2e.db("SELECT key, chat_id, status FROM deliveries WHERE key LIKE 'report:%'")
    assert {(d["chat_id"], d["status"]) for d in sent} == {(zhang.id, "sent"), (li.id, "sent")}
    assert len(sent) == 4  # two moves × author and co-author, each once

    # a leader's comment on the adopted report reaches the author too
    card = await wang.wait_for(lambda m: m == card and "已采用" in text_of(m))
    assert card.buttons == [["报送", "🖊 领导批示"]]
    await press(wang, card, "🖊 领导批示")
    await expect(wang, "批示领导")
    await wang.send("刘市长")
    await expect(wang, "刘市长", "批示内容")
    await wang.send("请住建局牵头研究落实。")
    await expect(wang, "已记录刘市长对", number)
    await expect(zhang, "获刘市长批示：\n请住建局牵头研究落实。")
    assert e2e.db("SELECT leader, text FROM report_comments") == [
        {"leader": "刘市长", "text": "请住建局牵头研究落实。"}
    ]

    # /myreports: the status and the history, for the author and the co-author
    await zhang.send("/myreports")
    mine = await expect(zhang, number, "已采用（市级）", "已受理", "刘市长")
    assert "已转市政府研究室" in text_of(mine)
    await expect(li, number, "已采用")
    await expect(li, "刘市长")
    await li.send("/myreports")
    await expect(li, number, "联名，反映人：张三")


async def test_returned_with_a_note_then_reworked_and_resubmitted(
    e2e: E2E, bot: InProcessBot
) -> None:
    people = await bind_all(e2e)
    zhang, wang = people["张三"], people["王五"]
    number = await submit(zhang, await write_report(zhang, "关于夜市管理的建议", [TEXT_1]))

    card = await open_report(wang, number)
    await press(wang, card, "退回修改")
    prompt = await expect(wang, "退回修改", "必填")
    await press(wang, prompt, "✖️ 退出")  # changed their mind
    await expect(wang, "已退出，这篇信息的状态没有改变")
    await wang.send("这句话不是说明")
    await expect(wang, "未能识别您的消息")
    await press(wang, card, "退回修改")
    await expect(wang, "退回修改", "必填")
    await wang.send("   ")  # an empty note is no note
    await expect(wang, "需要填写说明")
    assert report_row(e2e, number)["status"] == "submitted"
    await wang.send("请补充具体数据和可操作的建议。")
    await expect(wang, f"{number}已改为：退回修改")
    notice = await expect(zhang, number, "退回修改", "请补充具体数据")
    assert notice.buttons == [["✏️ 修改后重新提交"]]

    await press(zhang, notice, "✏️ 修改后重新提交")
    preview = await expect(zhang, "被退回修改", "请补充具体数据")
    assert preview.buttons == [["✅ 提交修改稿", "✏️ 修改"], ["⏸ 暂存退出"]]
    await press(zhang, preview, "✏️ 修改")
    menu = await zhang.wait_for(lambda m: m == preview and "正文（重写）" in m.button_texts)
    await press(zhang, menu, "正文（重写）")
    await expect(zhang, "替换")
    await zhang.send("据统计，全市夜市摊位约1200个。")
    saved = await expect(zhang, "已记下")
    await zhang.send("建议划定固定区域、错峰经营。")
    saved = await expect(zhang, "已记下")
    await press(zhang, saved, "✅ 正文完成")
    preview = await expect(zhang, "被退回修改", "全市夜市摊位约1200个", "错峰经营")
    assert TEXT_1 not in text_of(preview)
    await press(zhang, preview, "✅ 提交修改稿")
    await expect(zhang, "修改稿已重新提交", number, "第2稿")

    row = report_row(e2e, number)
    assert (row["status"], row["version"], row["number"]) == ("submitted", 2, number)
    versions = e2e.db("SELECT version, body FROM report_versions WHERE report_id = ? "
                      "ORDER BY version", (row["id"],))
    assert versions == [
        {"version": 1, "body": TEXT_1},
        {"version": 2, "body": "据统计，全市夜市摊位约1200个。\n建议划定固定区域、错峰经营。"},
    ]
    card = await open_report(wang, number)
    assert "第2稿" in text_of(card) and "重新提交（第2稿）" in text_of(card)
    assert card.buttons == [["受理", "退回修改"]]


async def test_every_move_the_machine_lacks_is_refused(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang, wang = people["张三"], people["王五"]
    number = await submit(zhang, await write_report(zhang, "关于公交线路的建议", [TEXT_1]))
    report_id = int(str(report_row(e2e, number)["id"]))
    card = await open_report(wang, number)
    allowed = {
        ReportStatus.SUBMITTED: {ReportStatus.ACCEPTED, ReportStatus.RETURNED},
        ReportStatus.ACCEPTED: {ReportStatus.ADOPTED, ReportStatus.FORWARDED, ReportStatus.KEPT,
                                ReportStatus.NOT_ADOPTED, ReportStatus.RETURNED},
        ReportStatus.KEPT: set(),
    }
    for current, moves in allowed.items():
        before = snapshot(e2e.db_path)
        for to in ReportStatus:
            if to in moves:
                continue
            data = sign(e2e, ReviewMove(report_id=report_id, to=to, expected=current))
            answer = await wang.press_data(card, data)
            assert answer is not None and "不能这样处理" in (answer.text or ""), (current, to)
        assert snapshot(e2e.db_path) == before
        assert report_row(e2e, number)["status"] == current
        if current is ReportStatus.SUBMITTED:
            await press(wang, card, "受理")
            await expect(wang, "已改为：已受理")
        elif current is ReportStatus.ACCEPTED:
            card = await wang.wait_for(lambda m, c=card: m == c and "留存" in m.button_texts)
            await press(wang, card, "留存")
            await expect(wang, "已改为：留存")
    # a validly signed button whose move is no longer allowed: the service says why
    stale = sign(e2e, ReviewMove(report_id=report_id, to=ReportStatus.ACCEPTED,
                                 expected=ReportStatus.SUBMITTED))
    answer = await wang.press_data(card, stale)
    assert answer is not None and "已经被处理了" in (answer.text or "") and "留存" in answer.text
    # and a forged one (not signed by the bot) is refused before anything is looked up
    forged = f"rvm:1:{report_id}:adopted:accepted:AAAAAAAA"
    answer = await wang.press_data(card, forged)
    assert answer is not None and "按钮已失效" in (answer.text or "")
    assert report_row(e2e, number)["status"] == "kept"
    assert len(e2e.db("SELECT id FROM report_moves")) == 3


async def test_members_cannot_review_and_staff_not_their_own(
    e2e: E2E, bot: InProcessBot
) -> None:
    people = await bind_all(e2e)
    zhang, qian, wang = people["张三"], people["钱七"], people["王五"]
    # /help and the command menu by role: members write, staff also review and export
    await zhang.send("/help")
    member_help = text_of(await expect(zhang, "/report", "/drafts", "/myreports"))
    assert "/review" not in member_help and "/export" not in member_help
    await wang.send("/help")
    await expect(wang, "/report", "/review", "/export")
    menu = {c["command"] for c in zhang.visible_commands()}
    assert {"report", "drafts", "myreports"} <= menu and "review" not in menu
    assert {"report", "review", "export"} <= {c["command"] for c in wang.visible_commands()}
    await zhang.send("/review")
    await expect(zhang, "此项操作仅限机关工作人员使用")
    await zhang.send("/export reports")
    await expect(zhang, "此项操作仅限机关工作人员使用")

    # 钱七 is staff and a member: writes a report, which others review but not 钱七
    number = await submit(qian, await write_report(qian, "关于基层医疗的建议", [TEXT_1]))
    report_id = int(str(report_row(e2e, number)["id"]))
    card = await open_report(qian, number)
    assert "本人撰写或联名" in text_of(card) and card.buttons == []
    before = snapshot(e2e.db_path)
    data = sign(e2e, ReviewMove(report_id=report_id, to=ReportStatus.ACCEPTED,
                                expected=ReportStatus.SUBMITTED))
    answer = await qian.press_data(card, data)
    assert answer is not None and "不能由您审核" in (answer.text or "")
    # a member pressing a staff button (validly signed) is refused too
    zhang_message = zhang.last_message
    assert zhang_message is not None
    answer = await zhang.press_data(zhang_message, data)
    assert answer is not None and "仅限机关工作人员" in (answer.text or "")
    assert snapshot(e2e.db_path) == before

    card = await open_report(wang, number)
    assert card.buttons == [["受理", "退回修改"]]


async def test_two_staff_pressing_at_once_one_wins(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang, wang, zhao = people["张三"], people["王五"], people["赵六"]
    number = await submit(zhang, await write_report(zhang, "关于停车难的建议", [TEXT_1]))
    card_wang = await open_report(wang, number)
    card_zhao = await open_report(zhao, number)

    answers = await asyncio.gather(
        wang.press(card_wang, "受理"), zhao.press(card_zhao, "受理")
    )
    texts = sorted((a.text or "") if a is not None else "" for a in answers)
    assert texts[0] == "" and "已经被处理了" in texts[1] and "已受理" in texts[1]
    assert "重新打开" not in texts[1]
    moves = e2e.db("SELECT actor_tg_id FROM report_moves WHERE to_status = 'accepted'")
    assert len(moves) == 1
    winner = wang if moves[0]["actor_tg_id"] == wang.id else zhao
    # the other one sees their card refreshed: the new status and the moves from there
    loser, loser_card = (zhao, card_zhao) if winner is wang else (wang, card_wang)
    refreshed = await loser.wait_for(
        lambda m: m == loser_card and "已受理" in text_of(m) and "采用" in m.button_texts
    )
    assert refreshed.buttons == [["采用", "报送"], ["留存", "不予采用"], ["退回修改"]]
    await expect(winner, f"{number}已改为：已受理")
    await expect(zhang, number, "已受理")
    await zhang.expect_no_message(within=0.5)  # told once

    # the other one opens it again and adopts it at province level, without a note
    other = zhao if winner is wang else wang
    other.skip_pending()
    card = await open_report(other, number)
    await press(other, card, "采用")
    levels = await other.wait_for(lambda m: m == card and "省级" in m.button_texts)
    await press(other, levels, "省级")
    prompt = await expect(other, "采用级别：省级")
    await press(other, prompt, "不填说明")
    await expect(other, f"{number}已改为：已采用（省级）")
    told = await expect(zhang, number, "已采用（省级）")
    assert "说明" not in text_of(told)
    assert report_row(e2e, number)["level"] == "province"


async def test_drafts_are_listed_resumed_saved_and_deleted(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang = people["张三"]
    await zhang.send("/drafts")
    await expect(zhang, "您没有草稿")
    preview = await write_report(zhang, "第一份草稿", [TEXT_1])
    await press(zhang, preview, "⏸ 暂存退出")
    await expect(zhang, "草稿已保存", "/drafts")
    await zhang.send(TEXT_2)  # the conversation is over: not added to the draft
    await expect(zhang, "未能识别您的消息")

    await zhang.send("/report")
    offer = await expect(zhang, "第一份草稿", "继续写")
    await press(zhang, offer, "📝 新写一篇")
    await expect(zhang, "标题")
    await zhang.send("第二份草稿")
    await expect(zhang, "类别")
    await zhang.send("/cancel")
    await expect(zhang, "已退出")

    await zhang.send("/drafts")
    listed = await expect(zhang, "您的草稿（2份）")
    assert [b[0].split("》")[0] for b in listed.buttons[:2]] == ["《第二份草稿", "《第一份草稿"]
    first = next(b[0] for b in listed.buttons if "第一份草稿" in b[0])
    await press(zhang, listed, first)
    preview = await expect(zhang, "预览", "第一份草稿", TEXT_1)
    await press(zhang, preview, "🗑 删除")
    confirm = await zhang.wait_for(lambda m: m == preview and "确定删除" in m.button_texts)
    assert confirm.buttons == [["确定删除", "↩️ 返回"]]
    await press(zhang, confirm, "确定删除")
    await expect(zhang, "草稿已删除")
    titles = [r["title"] for r in e2e.db("SELECT title FROM reports")]
    assert titles == ["第二份草稿"]
    await zhang.send("/myreports")
    await expect(zhang, "还没有提交过", "1份草稿")


async def test_export_reports_in_chat_matches_the_database(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang, li, wang = people["张三"], people["李四"], people["王五"]
    first = await submit(zhang, await write_report(zhang, "关于电梯的建议", [TEXT_1],
                                                   coauthor="李四"))
    second = await submit(li, await write_report(li, "关于学校午餐的建议", [TEXT_2],
                                                 category="文化教育"))
    card = await open_report(wang, first)
    await press(wang, card, "受理")
    await expect(wang, "已受理")

    await wang.send("/export reports")
    sent = await wang.next_message()
    assert sent.document is not None and sent.document["file_name"].endswith(".xlsx")
    assert "登记表" in text_of(sent)
    content = e2e.server.files[sent.document["file_id"]].data
    workbook = load_workbook(io.BytesIO(content))
    register = workbook.worksheets[0]
    header, *rows = [list(r) for r in register.iter_rows(values_only=True)]
    column = {name: index for index, name in enumerate(header)}
    database = e2e.db(
        "SELECT r.number, r.title, r.status, m.name FROM reports r "
        "JOIN members m ON m.id = r.author_member_id ORDER BY r.submitted_at"
    )
    labels = {"submitted": "已提交", "accepted": "已受理"}
    assert [
        (r[column["编号"]], r[column["标题"]], r[column["作者"]], r[column["状态"]]) for r in rows
    ] == [(d["number"], d["title"], d["name"], labels[str(d["status"])]) for d in database]
    assert [r[column["编号"]] for r in rows] == [first, second]
    assert rows[0][column["联名反映人"]] == "李四" and rows[1][column["类别"]] == "文化教育"
    members = workbook.worksheets[1]
    assert members.title == "委员统计" and members.max_row == 3  # header + 张三, 李四
    audit = e2e.db("SELECT actor_tg_id, detail FROM audit_log WHERE action = 'report_export'")
    assert len(audit) == 1 and audit[0]["actor_tg_id"] == wang.id
    assert '"rows": 2' in str(audit[0]["detail"])

    await wang.send("/export reports 2099-01-01 2099-12-31")
    empty = await wang.next_message()
    assert empty.document is not None
    rows = list(load_workbook(io.BytesIO(e2e.server.files[empty.document["file_id"]].data))
                .worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 1  # the header only
    await wang.send("/export reports last-year")
    await expect(wang, "用法：/export reports")
    await wang.send("/export")
    await expect(wang, "/export reports")


async def test_search_filters_forwarding_and_an_english_author(
    e2e: E2E, bot: InProcessBot
) -> None:
    people = await bind_all(e2e)
    zhang, li, wang = people["张三"], people["李四"], people["王五"]
    first = await submit(zhang, await write_report(zhang, "关于菜价的建议", [TEXT_1]))
    second = await submit(zhang, await write_report(zhang, "关于招商的建议", [TEXT_2],
                                                    category="经济发展"))
    theirs = await submit(li, await write_report(li, "关于课后服务的建议", [TEXT_1],
                                                 category="文化教育"))
    await li.send("/lang en")
    await expect(li, "English")

    # by author, category, status, group, day(s), number: newest first
    today = e2e.db("SELECT date(submitted_at, '+8 hours') AS day FROM reports LIMIT 1")[0]["day"]
    every = [theirs, second, first]
    searches = {
        "李四": [theirs], "张": [second, first], "文化教育": [theirs], "经济发展": [second],
        "已提交": every, "submitted": every, "第一活动组": every, today: every,
        f"{today} 至 {today}": every, first: [first], first.replace("-000", "-"): [first],
    }
    for words, numbers in searches.items():
        await wang.send(f"/review {words}")
        found = await expect(wang, f"找到{len(numbers)}篇")
        assert [b.split("《")[0] for b in found.button_texts] == numbers, words
    for words in ("2020-01-01 至 2020-01-31", "无此人", "2026-9999"):
        await wang.send(f"/review {words}")
        await expect(wang, "没有找到")

    # the queue, filtered by a status button, oldest first
    await wang.send("/review")
    queue = await expect(wang, "待处理3篇", "已提交3 · 已受理0 · 已报送0")
    assert [b.split("《")[0] for b in queue.button_texts[:3]] == [first, second, theirs]
    await press(wang, queue, "已采用 0")
    await wang.wait_for(lambda m: m == queue and "已采用：0篇" in text_of(m))

    # forwarded (to whom), then not adopted (with a note): the author reads it in English
    card = await open_report(wang, theirs)
    await press(wang, card, "受理")
    await expect(wang, "已受理")
    await expect(li, theirs, "is now: accepted")
    card = await wang.wait_for(lambda m: m == card and "报送" in m.button_texts)
    await press(wang, card, "报送")
    await expect(wang, "报送给哪个单位")
    await wang.send("市教育局")
    await expect(wang, "已报送市教育局")
    await expect(li, "is now: forwarded to 市教育局")
    card = await wang.wait_for(lambda m: m == card and "已报送" in text_of(m))
    assert card.buttons == [["采用", "不予采用"]]
    await press(wang, card, "不予采用")
    await expect(wang, "不予采用", "必填")
    await wang.send("与现行政策重复。")
    await expect(wang, "已改为：不予采用")
    told = await expect(li, "is now: not adopted", "Note: 与现行政策重复。")
    assert told.buttons == []
    row = report_row(e2e, theirs)
    assert (row["status"], row["forwarded_to"]) == ("not_adopted", "市教育局")


async def test_the_queue_pages_by_eight(e2e: E2E, bot: InProcessBot) -> None:
    people = await bind_all(e2e)
    zhang, li, wang = people["张三"], people["李四"], people["王五"]
    numbers = []
    for i in range(10):
        author = zhang if i % 2 else li
        numbers.append(await submit(author, await write_report(author, f"建议第{i}号", [TEXT_1])))

    def listed(message: MessageView) -> list[str]:
        return [n for label in message.button_texts for n in NUMBER.findall(label)]

    await wang.send("/review")
    first = await expect(wang, "待处理10篇")
    assert listed(first) == numbers[:8]  # oldest first
    assert "下一页 ▶" in first.button_texts and "◀ 上一页" not in first.button_texts
    await press(wang, first, "下一页 ▶")
    second = await wang.wait_for(lambda m: m == first and listed(m) == numbers[8:])
    assert "◀ 上一页" in second.button_texts and "下一页 ▶" not in second.button_texts
    await press(wang, second, "◀ 上一页")
    await wang.wait_for(lambda m: m == first and listed(m) == numbers[:8])

    # a page past the end (the queue shrank since the button was shown): the last page
    await wang.press_data(first, sign(e2e, ReviewList(offset=80)))
    last = await wang.wait_for(lambda m: m == first and listed(m) == numbers[8:])
    assert "待处理10篇" in text_of(last)
    await wang.press_data(first, sign(e2e, ReviewList(offset=-8)))
    await wang.wait_for(lambda m: m == first and listed(m) == numbers[:8])


async def test_export_takes_the_chinese_names_of_its_kinds(e2e: E2E, bot: InProcessBot) -> None:
    """/export 社情民意 and /export 出勤 are /export reports and /export attendance."""
    people = await bind_all(e2e)
    zhang, wang = people["张三"], people["王五"]
    number = await submit(zhang, await write_report(zhang, "关于电梯的建议", [TEXT_1]))
    await wang.send("/export 社情民意 已提交")
    sent = await wang.next_message()
    assert sent.document is not None and sent.document["file_name"].endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(e2e.server.files[sent.document["file_id"]].data))
                .worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [number]
    await wang.send("/export 出勤")
    sheet = await wang.next_message()
    assert sheet.document is not None and sheet.document["file_name"].endswith(".xlsx")
    await wang.send("/export 什么")
    usage = await expect(wang, "/export")
    assert "社情民意" in text_of(usage) and "出勤" in text_of(usage)


async def test_button_labels_show_titles_and_names_as_typed(e2e: E2E, bot: InProcessBot) -> None:
    """Button labels are plain text: <, > and & in a title or a name appear as typed."""
    await e2e.import_roster([*ROSTER, ("欧阳<小>&明", "13800000006", "经济界", "第一活动组",
                                       "member")])
    zhang, wang = e2e.user("张三", "13800000001"), e2e.user("王五", "13800000003")
    for phone in (zhang, wang):
        await bind(phone)
    title = "<电梯>&加装"
    preview = await write_report(zhang, title, [TEXT_1])
    await zhang.send("/drafts")
    drafts = await expect(zhang, "草稿")
    assert drafts.button_texts[0].startswith(f"《{title}》")
    await press(zhang, preview, "✏️ 修改")
    menu = await zhang.wait_for(lambda m: m == preview and "联名反映人" in m.button_texts)
    await press(zhang, menu, "联名反映人")
    await expect(zhang, "联名反映人")
    await zhang.send("欧阳")
    found = await expect(zhang, "请点选")
    assert found.button_texts[0] == "欧阳<小>&明（第一活动组）"
    await press(zhang, found, found.button_texts[0])
    added = await zhang.wait_for(lambda m: "已添加联名反映人" in text_of(m))
    assert "❌ 欧阳<小>&明" in added.button_texts
    await press(zhang, added, "✅ 完成")
    number = await submit(zhang, await expect(zhang, "预览"))

    await wang.send("/review")
    queue = await expect(wang, "待处理1篇")
    assert queue.button_texts[0].startswith(f"{number}《{title}》 · 张三")
    await wang.send(f"/review {number}")
    search = await expect(wang, "找到1篇")
    assert search.button_texts[0].startswith(f"{number}《{title}》 · 张三")


async def test_adopted_forwarded_on_and_a_wrong_move_undone(e2e: E2E, bot: InProcessBot) -> None:
    """An adopted report is forwarded (报送) to the province; a wrong move is undone with the
    button under its confirmation, the author told of the correction, and it is audited."""
    people = await bind_all(e2e)
    zhang, wang = people["张三"], people["王五"]
    number = await submit(zhang, await write_report(zhang, "关于河长制的建议", [TEXT_1]))
    card = await open_report(wang, number)
    await press(wang, card, "受理")
    await expect(wang, "已改为：已受理")
    await expect(zhang, number, "已受理")
    card = await wang.wait_for(lambda m: m == card and "退回修改" in m.button_texts)
    await press(wang, card, "不予采用")
    await expect(wang, "不予采用", "必填")
    await wang.send("与现行政策重复。")
    done = await expect(wang, f"{number}已改为：不予采用")
    await expect(zhang, number, "未采用")
    assert done.buttons == [["↩️ 撤销这一步"]]
    await press(wang, done, "↩️ 撤销这一步")
    undone = await expect(wang, "已撤销", number, "已受理")
    assert "采用" in undone.button_texts  # the moves from accepted, to act on at once
    await expect(zhang, "更正", number, "已受理")
    assert report_row(e2e, number)["status"] == "accepted"
    assert len(e2e.db("SELECT id FROM audit_log WHERE action = 'report_move_undo'")) == 1
    [undone_move] = e2e.db("SELECT undoes FROM report_moves WHERE undoes IS NOT NULL")
    again = await wang.press_data(done, sign(e2e, ReviewUndo(
        report_id=int(str(report_row(e2e, number)["id"])), move_id=undone_move["undoes"])))
    assert again is not None and "不能撤销" in (again.text or "")

    await press(wang, undone, "采用")
    levels = await wang.wait_for(lambda m: m == undone and "市级" in m.button_texts)
    await press(wang, levels, "市级")
    prompt = await expect(wang, "采用级别：市级")
    await press(wang, prompt, "不填说明")
    await expect(wang, f"{number}已改为：已采用")
    await expect(zhang, number, "已采用")
    card = await open_report(wang, number)
    assert card.buttons == [["报送", "🖊 领导批示"]]
    await press(wang, card, "报送")
    await expect(wang, "报送给哪个单位")
    await wang.send("省政协")
    # an adoption stands when the report goes on: both facts, in the config's level name
    await expect(wang, "市级采用；已报送省政协")
    await expect(zhang, number, "市级采用；已报送省政协")
    row = report_row(e2e, number)
    assert (row["status"], row["level"], row["forwarded_to"]) == ("forwarded", "city", "省政协")
    await zhang.send("/myreports")
    await expect(zhang, number, "撤销")

    # the province does not adopt it: the adoption here still stands (issue 18, item 2)
    card = await open_report(wang, number)
    assert card.buttons == [["采用", "不予采用"]]
    await press(wang, card, "不予采用")
    await expect(wang, "不予采用", "必填")
    await wang.send("省政协未采用。")
    await expect(wang, f"{number}已改为：市级采用；报送省政协未采用")
    await expect(zhang, number, "市级采用；报送省政协未采用")
    row = report_row(e2e, number)
    assert (row["status"], row["level"]) == ("not_adopted", "city")
    await zhang.send("/me")
    record = await expect(zhang, "提交1篇，采用1篇（市级1篇）", "未采用0篇")
    assert "市级3" not in text_of(record)


COUNTY_LEVELS = [
    {"code": "county", "zh": "县级", "en": "county", "points": 2.0},
    {"code": "city", "zh": "市级", "en": "city", "points": 3.0},
    {"code": "province", "zh": "省级", "en": "provincial", "points": 5.0},
    {"code": "national", "zh": "全国", "en": "national", "points": 10.0},
]


async def test_a_county_committee_adopts_at_its_own_four_levels(e2e: E2E) -> None:
    """The levels of `[[duty_record.levels]]` are the only ones, by the config's names: the
    review offers four, the author's notice, /myreports and /me say 县级, and the register
    counts per configured level (issue 18, item 3)."""
    e2e.configure("duty_record", levels=COUNTY_LEVELS)
    running = await e2e.start_bot()
    try:
        people = await bind_all(e2e)
        zhang, wang = people["张三"], people["王五"]
        number = await submit(zhang, await write_report(zhang, "关于乡村公路养护的建议",
                                                        [TEXT_1]))
        card = await open_report(wang, number)
        await press(wang, card, "受理")
        await expect(wang, "已改为：已受理")
        await expect(zhang, number, "已受理")
        card = await wang.wait_for(lambda m: m == card and "采用" in m.button_texts)
        await press(wang, card, "采用")
        levels = await wang.wait_for(lambda m: m == card and "县级" in m.button_texts)
        assert levels.buttons[0] == ["县级", "市级", "省级", "全国"]
        await press(wang, levels, "县级")
        prompt = await expect(wang, "采用级别：县级")
        await press(wang, prompt, "不填说明")
        await expect(wang, f"{number}已改为：已采用（县级）")
        await expect(zhang, number, "已采用（县级）")
        assert (report_row(e2e, number)["status"], report_row(e2e, number)["level"]) == (
            "adopted", "county")
        await zhang.send("/myreports")
        await expect(zhang, number, "已采用（县级）")
        await zhang.send("/me")
        await expect(zhang, "采用1篇（县级1篇）")
        await wang.send("/export reports")
        sent = await wang.next_message()
        assert sent.document is not None
        book = load_workbook(io.BytesIO(e2e.server.files[sent.document["file_id"]].data))
        register, members = book.worksheets
        header, row = [list(r) for r in register.iter_rows(values_only=True)]
        assert row[header.index("采用级别")] == "县级"
        counted, *people_rows = [list(r) for r in members.iter_rows(values_only=True)]
        assert counted[-4:] == ["县级采用", "市级采用", "省级采用", "全国采用"]
        [zhang_counts] = [r for r in people_rows if r[0] == "张三"]
        assert zhang_counts[-4:] == [1, 0, 0, 0]
    finally:
        await running.stop()
