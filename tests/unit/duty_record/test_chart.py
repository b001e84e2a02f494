"""The /stats chart: a PNG a phone shows whole, with real Chinese glyphs in the font the project
installs; a font without them is an error (the guard is tried with matplotlib's own DejaVu Sans,
which has no Chinese), and the labels of a dozen long group names do not collide."""

from __future__ import annotations

import asyncio
import io
import struct
import warnings
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image, ImageChops

from bot.duty_record import chart
from bot.duty_record.chart import (
    CJK_SAMPLE,
    ChartFontMissing,
    ChartLabels,
    find_cjk_font,
    stats_chart,
)
from handlers.duty_record import render
from tests.duty_world import GROUPS, MONTHS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
LABELS = ChartLabels(
    rate_axis="出勤率",
    count_axis="篇数",
    month_axis="月份",
    submitted="提交",
    adopted="采用",
    rate_title="各活动组出勤率",
    months_title="每月社情民意信息",
)
# the seeded year's two groups: (members, expected, attended of the expected, …)
SEEDED_GROUPS = [(name, row[2] / row[1]) for name, row in GROUPS.items()]
SEEDED_MONTHS = [(f"{month}月", *MONTHS.get(month, (0, 0))) for month in range(1, 13)]
LONG_NAMES = [
    "中共界别活动组",
    "民主党派界别活动组",
    "无党派人士界别活动组",
    "工商联界别活动组",
    "经济界别活动组",
    "农业和农村界别活动组",
    "教育界别活动组",
    "科技和科协界别活动组",
    "医药卫生界别活动组",
    "文化艺术和新闻出版界别活动组",
    "社会福利和社会保障界别活动组",
    "少数民族和宗教界别活动组",
    "港澳台侨和对外友好界别联合活动组（第二组）",
    "特邀界别活动组",
]


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    """Each test looks the font up anew (the lookup caches what it found)."""
    chart._default_font.cache_clear()
    yield
    chart._default_font.cache_clear()


def test_the_installed_cjk_font_is_found() -> None:
    """Fails on a machine where the project's setup did not install a Chinese font."""
    path = find_cjk_font()
    charmap = font_manager.get_font(path).get_charmap()
    text = CJK_SAMPLE + "".join(LONG_NAMES) + "".join(GROUPS) + "2025年履职统计0123456789%—…"
    assert [char for char in text if ord(char) not in charmap] == []


def test_chart_of_the_seeded_year_is_a_png_a_phone_shows_whole() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = stats_chart("2025年履职统计", SEEDED_GROUPS, SEEDED_MONTHS, LABELS)
    assert caught == []
    width, height = png_size(png)
    assert width == 1080
    assert 1000 <= height <= 2200
    assert len(png) < 150_000
    image = Image.open(io.BytesIO(png))
    image.verify()


def test_more_groups_make_a_taller_chart_of_the_same_width() -> None:
    months = [(f"{m}月", 10 + m, m % 4) for m in range(1, 13)]
    few = png_size(stats_chart("统计", SEEDED_GROUPS, months, LABELS))
    many_groups = [(name, 0.5 + i / 40) for i, name in enumerate(LONG_NAMES)]
    many = png_size(stats_chart("统计", many_groups, months, LABELS))
    assert few[0] == many[0] == 1080
    assert many[1] > few[1] + 500
    assert many[1] < 10 * many[0]  # Telegram sends photos up to a ratio of 20


def test_chinese_text_is_drawn_with_glyphs_not_boxes() -> None:
    """Boxes for missing characters all look alike: two names of different characters, of the
    same width, must draw differently where the name stands, left of the bars."""

    def drawn(name: str) -> Image.Image:
        png = stats_chart("统计", [(name, 0.5)], [("1月", 1, 0)], LABELS)
        return Image.open(io.BytesIO(png)).convert("L")

    committee, liaison = drawn("委员"), drawn("政协")
    assert committee.size == liaison.size
    names = (0, 0, committee.width // 4, committee.height)  # left of the bars
    committee, liaison = committee.crop(names), liaison.crop(names)
    differs = ImageChops.difference(committee, liaison).getbbox()
    assert differs is not None
    left, top, right, bottom = differs
    assert right - left >= 2 * 20 and bottom - top >= 20  # two characters of 11.5 pt at 180 dpi
    for image in (committee, liaison):
        inked = image.crop(differs).point(lambda value: 255 if value < 128 else 0).histogram()[255]
        assert inked > 100


def test_a_font_without_chinese_is_an_error_not_boxes() -> None:
    """The guard, not the test run's warning filter, turns the missing glyph into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ChartFontMissing, match=r"Glyph \d+ .*missing from font") as raised:
            stats_chart("2025年履职统计", SEEDED_GROUPS, SEEDED_MONTHS, LABELS, font=DEJAVU)
    assert str(DEJAVU) in str(raised.value)
    assert "fonts-noto-cjk" in str(raised.value)


def test_the_same_font_draws_a_chart_without_chinese() -> None:
    """So the error above is about the missing characters, not about the font file."""
    labels = ChartLabels(
        rate_axis="rate",
        count_axis="reports",
        month_axis="month",
        submitted="submitted",
        adopted="adopted",
        rate_title="Attendance",
        months_title="Per month",
    )
    png = stats_chart("2025", [("Group 1", 0.5)], [("Jan", 2, 1)], labels, font=DEJAVU)
    assert png_size(png)[0] == 1080


def test_a_configured_font_without_chinese_is_refused_by_the_lookup() -> None:
    with pytest.raises(ChartFontMissing, match="no Chinese characters"):
        find_cjk_font(DEJAVU)
    with pytest.raises(ChartFontMissing, match="is not a file"):
        find_cjk_font(DEJAVU.with_name("NoSuchFont.ttf"))
    with pytest.raises(ChartFontMissing, match="is not a file"):
        stats_chart("统计", [], [], LABELS, font=DEJAVU.with_name("NoSuchFont.ttf"))


def test_a_configured_chinese_font_is_taken() -> None:
    found = find_cjk_font()
    assert find_cjk_font(str(found)) == found


def test_no_chinese_font_anywhere_says_how_to_install_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart, "_candidates", lambda: iter([DEJAVU, DEJAVU.with_name("x.ttf")]))
    with pytest.raises(ChartFontMissing, match="no font with Chinese") as raised:
        stats_chart("统计", SEEDED_GROUPS, SEEDED_MONTHS, LABELS)
    assert "pylopdf-fonts-zh-cn" in str(raised.value)
    assert "apt-get install fonts-noto-cjk" in str(raised.value)
    assert "chart_font" in str(raised.value)


def test_a_dozen_long_group_names_do_not_collide() -> None:
    groups = [(name, (i % 5) / 4 if i != 3 else None) for i, name in enumerate(LONG_NAMES)]
    months = [(f"{m}月", 30 + m, 12 + m) for m in range(1, 13)]
    figure = chart._draw("2025年履职统计", groups, months, LABELS, find_cjk_font())
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    rates, per_month = figure.axes
    names = [label.get_window_extent(renderer) for label in rates.get_yticklabels()]
    assert [label.get_text() for label in rates.get_yticklabels()] == [
        chart._wrap(name) for name in LONG_NAMES
    ]
    for one, other in combinations(names, 2):
        assert not one.overlaps(other)
    plot_area = rates.get_window_extent(renderer)
    assert all(box.x0 >= 0 and box.x1 <= plot_area.x0 for box in names)
    texts = [*rates.texts, *per_month.texts]  # the percentages and the counts on the bars
    width, height = canvas.get_width_height()
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height
    months_labels = [label.get_window_extent(renderer) for label in per_month.get_xticklabels()]
    for one, other in combinations(months_labels, 2):
        assert not one.overlaps(other)
    rates_boxes = [text.get_window_extent(renderer) for text in rates.texts]
    assert [text.get_text() for text in rates.texts][:5] == ["0%", "25%", "50%", "—", "100%"]
    for one, other in combinations(rates_boxes, 2):
        assert not one.overlaps(other)


@pytest.mark.parametrize(
    ("language", "rate", "count", "month"),
    [("zh", "出勤率（%）", "篇数", "月份"), ("en", "Attendance (%)", "Reports", "Month")],
)
def test_each_axis_is_labelled_with_what_it_measures(
    language: str, rate: str, count: str, month: str
) -> None:
    """The labels /stats passes (the catalogs'): the reports' axis counts reports, the months
    run along the other one (a Chinese y label stands one character under the other)."""
    labels = render.chart_labels(language)
    figure = chart._draw("统计", SEEDED_GROUPS, SEEDED_MONTHS, labels, find_cjk_font())
    rates, per_month = figure.axes
    assert rates.get_xlabel() == rate
    assert per_month.get_ylabel().replace("\n", "") == count
    assert per_month.get_xlabel() == month


@pytest.mark.parametrize(
    ("name", "wrapped"),
    [
        ("中共界别活动组", "中共界别活动组"),
        ("民主党派界别活动组", "民主党派界别活动组"),
        ("无党派人士界别活动组", "无党派人士\n界别活动组"),
        ("社会福利和社会保障界别活动组", "社会福利和社会保障\n界别活动组"),
        ("少数民族和宗教界别活动组", "少数民族和宗教\n界别活动组"),
        ("一二三四五六七八九十一二", "一二三四五六\n七八九十一二"),
        ("港澳台侨和对外友好界别联合活动组（第二组）", "港澳台侨和对外友好\n界别联合活动组（…"),
        ("Group of the arts", "Group of\nthe arts"),
    ],
)
def test_long_group_names_take_two_lines_at_most(name: str, wrapped: str) -> None:
    assert chart._wrap(name) == wrapped


def test_no_groups_and_no_months_still_draw() -> None:
    assert png_size(stats_chart("2025年履职统计", [], [], LABELS))[0] == 1080


async def test_charts_drawn_in_worker_threads_at_once_are_whole() -> None:
    months = [(f"{m}月", m, m // 3) for m in range(1, 13)]
    alone = stats_chart("统计", SEEDED_GROUPS, months, LABELS)
    together = await asyncio.gather(
        *(asyncio.to_thread(stats_chart, "统计", SEEDED_GROUPS, months, LABELS) for _ in range(4))
    )
    assert together == [alone] * 4
