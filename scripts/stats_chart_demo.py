"""Draws the README's example of the /stats chart (docs/stats-chart.png) from made-up figures
of a municipal committee with thirteen activity groups:

    .venv/bin/python scripts/stats_chart_demo.py docs/stats-chart.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.duty_record.chart import ChartLabels, stats_chart

GROUPS: list[tuple[str, float | None]] = [
    ("中共界别活动组", 0.92),
    ("民主党派界别活动组", 0.87),
    ("无党派人士界别活动组", 0.81),
    ("工商联界别活动组", 0.74),
    ("经济界别活动组", 0.78),
    ("农业和农村界别活动组", 0.69),
    ("教育界别活动组", 0.95),
    ("科技和科协界别活动组", 0.83),
    ("医药卫生界别活动组", 0.71),
    ("文化艺术和新闻出版界别活动组", 0.64),
    ("社会福利和社会保障界别活动组", 0.76),
    ("少数民族和宗教界别活动组", 0.88),
    ("特邀界别活动组", None),  # no events for it yet
]
MONTHS: list[tuple[str, int, int]] = [
    ("1月", 14, 3),
    ("2月", 9, 2),
    ("3月", 27, 8),
    ("4月", 21, 6),
    ("5月", 18, 5),
    ("6月", 24, 9),
    ("7月", 12, 4),
    ("8月", 10, 2),
    ("9月", 19, 7),
    ("10月", 15, 3),
    ("11月", 22, 6),
    ("12月", 8, 1),
]
LABELS = ChartLabels(
    rate_axis="出勤率",
    count_axis="篇数",
    month_axis="月份",
    submitted="提交",
    adopted="采用",
    rate_title="各活动组出勤率",
    months_title="每月社情民意信息",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the PNG file to write")
    out = parser.parse_args().out
    out.write_bytes(stats_chart("2025年履职统计", GROUPS, MONTHS, LABELS))
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
