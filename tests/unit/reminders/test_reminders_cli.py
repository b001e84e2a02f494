"""`liaison-bot reminders …` and `proposals …` speak the office's language: Chinese by default,
English with --lang en; a one-off notice's time is shown in the committee's zone, not UTC."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.cli import Namespace, speaking
from bot.core.config import Config, StorageConfig
from bot.reminders import proposals_cli
from bot.reminders.cli import add_cli, list_cli, log_cli, status_cli
from domain.reminder_models import ScheduleStatus
from tests.clock import clock_at

ZONE = ZoneInfo("Asia/Shanghai")
NOTICE = "防汛应急值守通知"


def config_at(path: Path, moment: datetime) -> Config:
    config = Config(storage=StorageConfig(path=path))
    config.clock = clock_at(moment)
    return config


def adding(**given: object) -> Namespace:
    """The arguments of `reminders add`, as argparse gives them."""
    arguments: dict[str, object] = {
        "title": NOTICE, "text": "请各位委员保持通讯畅通。", "at": None, "day": None,
        "weekday": None, "month": None, "time": "09:00", "groups": None, "role": None,
        "ack": False, "holiday": "next",
    }
    return Namespace(**{**arguments, **given})


async def run(command: Callable[..., Awaitable[int]], *args: object) -> tuple[int, str]:
    out = io.StringIO()
    status = await command(*args, out)
    return status, out.getvalue()


async def test_a_notice_reads_in_chinese_in_the_committees_zone(tmp_path: Path) -> None:
    config = config_at(tmp_path / "bot.db", datetime(2027, 3, 15, 15, 0, tzinfo=ZONE))
    status, printed = await run(add_cli, config, adding(at="2027-03-16 03:00", ack=True))
    assert (status, printed) == (0, "提醒1已保存；下次发送：2027-03-16 07:30（夜间免打扰）\n")
    status, listed = await run(list_cli, config)
    notice = next(line for line in listed.splitlines() if NOTICE in line)
    # 03:00 in Shanghai, not 19:00 of the day before (UTC)
    assert notice == ("   1  已启用 下次发送：2027-03-16 07:30（夜间免打扰）  防汛应急值守通知"
                      "（一次：2027-03-16 03:00；发给全体委员；带“收到”按钮）")
    with speaking("en"):
        _, listed = await run(list_cli, config)
    notice = next(line for line in listed.splitlines() if NOTICE in line)
    assert notice == ("   1  active  next 2027-03-16 07:30 (quiet hours)  防汛应急值守通知  "
                      "(once 2027-03-16 03:00; to everyone; 收到)")
    assert "(day=1st thu at 09:00 holiday=next; to everyone)" in listed, listed

    assert await run(status_cli, config, 1, ScheduleStatus.PAUSED) == (0, "提醒1已暂停\n")
    assert await run(status_cli, config, 99, ScheduleStatus.PAUSED) == (
        2, "reminders: 没有提醒99，请用 reminders list 查看现有的提醒\n")
    with speaking("en"):
        assert await run(status_cli, config, 1, ScheduleStatus.ACTIVE) == (
            0, "reminder 1: active\n")
    status, log = await run(log_cli, config, 20)
    assert log.splitlines()[0].split() == ["编号", "计划时间", "状态", "人数", "已送达",
                                           "无法送达", "失败", "待发", "内容"]


async def test_a_bad_reminder_is_refused_in_the_office_language(tmp_path: Path) -> None:
    config = config_at(tmp_path / "bot.db", datetime(2027, 3, 15, 15, 0, tzinfo=ZONE))
    assert await run(add_cli, config, adding(at="明天下午")) == (
        2, "reminders: --at “明天下午”不是时间，请写成“2026-12-03 09:00”这样\n")
    assert await run(add_cli, config, adding()) == (
        2, "reminders: 发一次的通知请给出 --at；定期提醒请给出 --day 或 --weekday\n")
    with speaking("en"):
        assert await run(add_cli, config, adding()) == (
            2, "reminders: give --at for once, or --day/--weekday for a recurring one\n")
    status, printed = await run(add_cli, config, adding(day="20", groups="第一活动组"))
    assert status == 2 and printed.startswith("reminders: 没有活动组“第一活动组”")


async def test_a_call_for_proposals_at_the_command_line(tmp_path: Path) -> None:
    config = config_at(tmp_path / "bot.db", datetime(2027, 3, 8, 10, 0, tzinfo=ZONE))
    out = io.StringIO()
    assert await proposals_cli.list_cli(config, out) == 0
    assert out.getvalue() == "还没有提案征集\n"
    out = io.StringIO()
    assert await proposals_cli.new_cli(config, "十四届三次会议提案征集", date(2027, 3, 8),
                                       date(2027, 3, 10), out) == 0
    opened = out.getvalue().splitlines()
    assert opened[0] == "已发起提案征集1：2027-03-08至2027-03-10"
    assert "  T-1   2027-03-09 09:00" in opened and "  T-0   2027-03-10 09:00" in opened
    out = io.StringIO()
    with speaking("en"):
        assert await proposals_cli.missing_cli(config, None, out) == 0
    assert out.getvalue() == (
        "call for proposals 1 (十四届三次会议提案征集): 0 members have not reported\n")
    out = io.StringIO()
    assert await proposals_cli.missing_cli(config, 7, out) == 2
    assert out.getvalue().startswith("proposals: 没有这次提案征集")
    out = io.StringIO()
    assert await proposals_cli.set_cli(config, Namespace(window=None, member="张三", count=2),
                                       out) == 2
    assert out.getvalue() == "proposals: 名册中没有“张三”，请改用手机号\n"
