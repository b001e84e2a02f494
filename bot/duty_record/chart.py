"""The /stats chart (a placeholder until the chart helper's version is merged): each group's
attendance rate as bars, and the reports submitted and adopted per month, as one PNG.

Drawn with matplotlib's object API (no pyplot state), so it may run in a worker thread.
A Chinese font is used when one is installed; without one the labels' glyphs are missing,
which matplotlib warns about and which must not stop the figures being sent."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

# Fonts with Chinese glyphs, the first one installed is used (DejaVu Sans otherwise).
_CJK_FONTS = [
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "DejaVu Sans",
]


def _fonts() -> list[str]:
    """The families of _CJK_FONTS that are installed (asking for others only logs warnings)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return [family for family in _CJK_FONTS if family in installed] or ["DejaVu Sans"]


@dataclass(frozen=True)
class ChartLabels:
    """The chart's texts in the reader's language."""

    rate_axis: str
    month_axis: str
    submitted: str
    adopted: str
    rate_title: str
    months_title: str


def stats_chart(
    title: str,
    groups: list[tuple[str, float | None]],
    months: list[tuple[str, int, int]],
    labels: ChartLabels,
) -> bytes:
    """PNG bytes: (group name, attendance rate 0..1 or None) as bars on the left, (month
    label, submitted, adopted) as paired bars on the right."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fonts = _fonts()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        figure = Figure(figsize=(10, 4.8), dpi=100)
        FigureCanvasAgg(figure)
        figure.suptitle(title, fontfamily=fonts)
        rates, per_month = figure.subplots(1, 2, width_ratios=[1, 1.4])

        names = [name for name, _ in groups]
        values = [0.0 if rate is None else rate * 100 for _, rate in groups]
        rates.barh(range(len(names)), values, color="#c0392b")
        rates.set_yticks(range(len(names)), names, fontfamily=fonts)
        rates.invert_yaxis()
        rates.set_xlim(0, 100)
        rates.set_xlabel(labels.rate_axis, fontfamily=fonts)
        rates.set_title(labels.rate_title, fontfamily=fonts)

        xs = range(len(months))
        width = 0.4
        per_month.bar([x - width / 2 for x in xs], [s for _, s, _ in months], width,
                      label=labels.submitted, color="#7f8c8d")
        per_month.bar([x + width / 2 for x in xs], [a for _, _, a in months], width,
                      label=labels.adopted, color="#c0392b")
        per_month.set_xticks(list(xs), [m for m, _, _ in months], fontfamily=fonts)
        per_month.set_xlabel(labels.month_axis, fontfamily=fonts)
        per_month.set_title(labels.months_title, fontfamily=fonts)
        per_month.yaxis.get_major_locator().set_params(integer=True)
        per_month.legend(prop={"family": fonts})

        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
    return out.getvalue()
