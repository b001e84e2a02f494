"""The /stats chart: the committee's attendance rate per activity group and its public-opinion
reports per month, drawn as one PNG by matplotlib's Agg renderer in a CJK font found explicitly.

The font is looked up in this order (`find_cjk_font`):
1. the path configured as `[duty_record] chart_font` (passed in as `font`), if not empty;
2. Noto Sans SC of the `pylopdf-fonts-zh-cn` package, a dependency of the project;
3. a Chinese font installed on the system and known to matplotlib (Noto Sans CJK, Source Han
   Sans, WenQuanYi, …: `apt-get install fonts-noto-cjk` on Debian).
None found is `ChartFontMissing`, saying how to install one. A character the chart's font lacks
is `ChartFontMissing` too, raised while rendering: the chart never goes out with empty boxes.

Rendering uses figures of its own (no pyplot, no rcParams changes), one at a time behind a lock,
so it can run in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import functools
import io
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import MaxNLocator
from PIL import Image

INSTALL_HINT = (
    "reinstall the project (scripts/setup-venv, or pip install -e .: it brings Noto Sans SC "
    "with the pylopdf-fonts-zh-cn package), or install a Chinese font on the system "
    "(Debian: apt-get install fonts-noto-cjk), or set [duty_record] chart_font to a .ttf/.otf "
    "file with Chinese characters"
)
# Characters a font must have to be taken for the chart's Chinese text.
CJK_SAMPLE = "委员活动组出勤率社情民意信息报送采用月一二三四五六七八九十界别政协"
# Installed fonts tried after the bundled one, in this order (family names as matplotlib reads
# them from the font files).
SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
_BUNDLED_FILE = "NotoSansSC-Regular.otf"

# matplotlib's warning for a character the font has no glyph for (matplotlib/_text_helpers.py)
_GLYPH_MISSING = re.compile(r"Glyph \d+ .*missing from font")
# One figure at a time: the warnings filter that turns a missing glyph into an error is
# process-wide, and matplotlib's drawing is not meant to run in several threads at once.
_RENDER_LOCK = threading.Lock()

WIDTH_INCHES = 6.0
DPI = 180  # 1080 pixels wide: sharp on a phone, text still large when it fits the screen
_ROW_INCHES = 0.5  # per group: room for a name on two lines
_MONTHS_INCHES = 3.4
_NAME_WIDTH = 9  # characters per line of a group's name (two lines at most)
_CUT_BEFORE = ("界别", "活动组", "小组")
_CUT_AFTER = ("和", "、", " ")
_PALETTE_COLORS = 128  # the PNG is stored with a palette: a third of the bytes, looks the same
_RATE_COLOR = "#3f6fa8"
_SUBMITTED_COLOR = "#8fb3de"
_ADOPTED_COLOR = "#c8553d"
_GRID_COLOR = "#dddddd"
_TEXT_COLOR = "#333333"


class ChartFontMissing(RuntimeError):
    """No font with Chinese characters for the chart, or the chart's font lacks a character."""


@dataclass(frozen=True)
class ChartLabels:
    """The chart's texts in the reader's language (from the message catalogs)."""

    rate_axis: str  # under the attendance bars
    count_axis: str  # beside the reports' bars: how many
    month_axis: str  # under the reports' bars, along the months
    submitted: str
    adopted: str
    rate_title: str
    months_title: str


def find_cjk_font(configured: str | Path | None = None) -> Path:
    """The font file for the chart's text, in the order this module's docstring gives; a
    configured file must exist and have Chinese characters."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ChartFontMissing(f"chart_font {path} is not a file; {INSTALL_HINT}")
        if not _covers(path, CJK_SAMPLE):
            raise ChartFontMissing(
                f"chart_font {path} has no Chinese characters; {INSTALL_HINT}"
            )
        return path
    return _default_font()


@functools.cache
def _default_font() -> Path:
    # Cached once found; not found raises, and raising is not cached (the next call looks again).
    for path in _candidates():
        if _covers(path, CJK_SAMPLE):
            return path
    raise ChartFontMissing(f"no font with Chinese characters for the chart; {INSTALL_HINT}")


def _candidates() -> Iterator[Path]:
    try:
        import pylopdf_fonts_zh_cn  # the package is data only: its fonts and their paths
    except ImportError:
        pass
    else:
        yield Path(pylopdf_fonts_zh_cn.__file__).parent / _BUNDLED_FILE
    installed = {entry.name: Path(entry.fname) for entry in font_manager.fontManager.ttflist}
    for family in SYSTEM_FAMILIES:
        if family in installed:
            yield installed[family]


def _covers(path: Path, text: str) -> bool:
    if not path.is_file():
        return False
    try:
        charmap = font_manager.get_font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):  # not a font FreeType can read
        return False
    return all(ord(char) in charmap for char in text)


def stats_chart(
    title: str,
    groups: list[tuple[str, float | None]],
    months: list[tuple[str, int, int]],
    labels: ChartLabels,
    *,
    font: str | Path | None = None,
) -> bytes:
    """The /stats chart as PNG bytes: attendance rate per group (rate 0..1, None when no one was
    expected), and (month label, submitted, adopted) reports per month. `font` is a font file to
    use instead of the lookup (`[duty_record] chart_font`); it is taken as given, and a character
    it lacks raises `ChartFontMissing` while rendering."""
    if font:
        path = Path(font).expanduser()
        if not path.is_file():
            raise ChartFontMissing(f"chart_font {path} is not a file; {INSTALL_HINT}")
    else:
        path = find_cjk_font()
    with _RENDER_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("error", message=_GLYPH_MISSING.pattern, category=UserWarning)
        try:
            figure = _draw(title, groups, months, labels, path)
            canvas = FigureCanvasAgg(figure)
            canvas.draw()
            image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
        except UserWarning as warning:
            if not _GLYPH_MISSING.search(str(warning)):
                raise
            raise ChartFontMissing(
                f"the chart's font {path} lacks a character: {warning}; {INSTALL_HINT}"
            ) from warning
    out = io.BytesIO()
    image.convert("RGB").quantize(_PALETTE_COLORS).save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class _Fonts:
    title: FontProperties
    heading: FontProperties
    text: FontProperties
    small: FontProperties


def _fonts(path: Path) -> _Fonts:
    return _Fonts(
        title=FontProperties(fname=path, size=16),
        heading=FontProperties(fname=path, size=13.5),
        text=FontProperties(fname=path, size=11.5),
        small=FontProperties(fname=path, size=10.5),
    )


def _draw(
    title: str,
    groups: list[tuple[str, float | None]],
    months: list[tuple[str, int, int]],
    labels: ChartLabels,
    path: Path,
) -> Figure:
    fonts = _fonts(path)
    rates_inches = max(2.0, _ROW_INCHES * len(groups) + 0.9)
    figure = Figure(
        figsize=(WIDTH_INCHES, rates_inches + _MONTHS_INCHES + 0.5),
        dpi=DPI,
        layout=ConstrainedLayoutEngine(h_pad=0.08, hspace=0.06),
    )
    figure.suptitle(title, fontproperties=fonts.title, color=_TEXT_COLOR)
    rates_axes, months_axes = figure.subplots(
        2, 1, height_ratios=[rates_inches, _MONTHS_INCHES]
    )
    _draw_rates(rates_axes, groups, labels, fonts)
    _draw_months(months_axes, months, labels, fonts)
    return figure


def _plain(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_axisbelow(True)
    axes.tick_params(colors=_TEXT_COLOR, length=0)


def _draw_rates(
    axes: Axes, groups: list[tuple[str, float | None]], labels: ChartLabels, fonts: _Fonts
) -> None:
    _plain(axes)
    rows = range(len(groups))
    percents = [0.0 if rate is None else 100 * min(max(rate, 0.0), 1.0) for _, rate in groups]
    axes.barh(rows, percents, height=0.62, color=_RATE_COLOR)
    for row, percent, (_, rate) in zip(rows, percents, groups, strict=True):
        axes.text(
            percent + 1.5,
            row,
            "—" if rate is None else f"{percent:.0f}%",
            va="center",
            ha="left",
            fontproperties=fonts.text,
            color=_TEXT_COLOR,
        )
    axes.set_yticks(
        list(rows), labels=[_wrap(name) for name, _ in groups], fontproperties=fonts.text
    )
    axes.set_ylim(len(groups) - 0.5, -0.6)  # first group on top
    axes.set_xlim(0, 115)  # room for "100%" after a full bar
    ticks = [0, 20, 40, 60, 80, 100]
    axes.set_xticks(ticks, labels=[f"{tick}%" for tick in ticks], fontproperties=fonts.small)
    axes.xaxis.grid(True, color=_GRID_COLOR)
    axes.set_xlabel(labels.rate_axis, fontproperties=fonts.text, color=_TEXT_COLOR)
    axes.set_title(labels.rate_title, loc="left", fontproperties=fonts.heading)


def _draw_months(
    axes: Axes, months: list[tuple[str, int, int]], labels: ChartLabels, fonts: _Fonts
) -> None:
    _plain(axes)
    width = 0.4
    columns = range(len(months))
    submitted = [count for _, count, _ in months]
    adopted = [count for _, _, count in months]
    for shift, counts, name, color in (
        (-width / 2, submitted, labels.submitted, _SUBMITTED_COLOR),
        (width / 2, adopted, labels.adopted, _ADOPTED_COLOR),
    ):
        bars = axes.bar(
            [column + shift for column in columns], counts, width, label=name, color=color
        )
        axes.bar_label(
            bars,
            labels=[str(count) if count else "" for count in counts],
            padding=2,
            fontproperties=fonts.small,
            color=_TEXT_COLOR,
        )
    highest = max([*submitted, *adopted, 1])
    axes.set_ylim(0, highest * 1.18 + 0.2)  # room for the counts above the bars
    ticks = [int(t) for t in MaxNLocator(nbins=5, integer=True).tick_values(0, highest)]
    ticks = [tick for tick in ticks if 0 <= tick <= highest]
    axes.set_yticks(ticks, labels=[str(tick) for tick in ticks], fontproperties=fonts.small)
    axes.set_xticks(
        list(columns), labels=[label for label, _, _ in months], fontproperties=fonts.small
    )
    axes.set_xlim(-0.6, max(len(months), 1) - 0.4)
    axes.yaxis.grid(True, color=_GRID_COLOR)
    axes.set_xlabel(labels.month_axis, fontproperties=fonts.text, color=_TEXT_COLOR)
    ylabel, rotation = _upright(labels.count_axis)
    axes.set_ylabel(
        ylabel,
        rotation=rotation,
        ha="center" if rotation else "right",
        va="center",
        linespacing=1.05,
        fontproperties=fonts.text,
        color=_TEXT_COLOR,
    )
    axes.set_title(labels.months_title, loc="left", fontproperties=fonts.heading)
    axes.legend(
        prop=fonts.small,
        frameon=False,
        ncols=2,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        borderaxespad=0.2,
    )


def _wrap(name: str) -> str:
    """A group's name on one line, or two: cut before "界别"/"活动组"/"小组" or after "和"/"、"/
    a space where both lines fit, else in the middle; beyond two lines it ends in "…"."""
    if len(name) <= _NAME_WIDTH:
        return name
    if len(name) > 2 * _NAME_WIDTH:
        return name[:_NAME_WIDTH] + "\n" + name[_NAME_WIDTH : 2 * _NAME_WIDTH - 1] + "…"
    cuts = [name.find(word) for word in _CUT_BEFORE] + [
        name.find(word) + 1 for word in _CUT_AFTER if word in name
    ]
    fitting = [
        (max(cut, len(name) - cut), rank, cut)  # shorter longer line first, then the cut's rank
        for rank, cut in enumerate(cuts)
        if 0 < cut < len(name) and max(cut, len(name) - cut) <= _NAME_WIDTH
    ]
    cut = min(fitting)[2] if fitting else (len(name) + 1) // 2
    return name[:cut].rstrip() + "\n" + name[cut:].lstrip()


def _upright(label: str) -> tuple[str, float]:
    """A y-axis label and its rotation: Chinese stands one character under the other, upright;
    Latin text is turned as usual."""
    if any(char.isascii() and char.isalpha() for char in label):
        return label, 90.0
    return "\n".join(label), 0.0
