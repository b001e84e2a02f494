"""QR codes of check-in links (segno): PNG bytes for chat, and a projector page as SVG.

The projector page shows the code with the event's title, its time and the 6-digit code in
large type, so a venue-verified event can be run from the projector alone. It is SVG: the
text is drawn by the viewer (a browser on the projector's computer) with its own fonts, so
Chinese needs no font shipped here and no image library (Pillow is not a dependency).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno

DEFAULT_SCALE = 12  # pixels per module: a ~40-module code becomes ~500 px, fine for a projector
DEFAULT_BORDER = 4  # quiet zone in modules, as the QR standard asks

# The page: 1920×1080 (a projector's 16:9), the code on the left, the words on the right.
PAGE_WIDTH, PAGE_HEIGHT = 1920, 1080
_QR_SIZE = 900
_FONTS = ("'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
          "'WenQuanYi Micro Hei', sans-serif")


def qr_png(text: str, *, scale: int = DEFAULT_SCALE, border: int = DEFAULT_BORDER) -> bytes:
    """A PNG image of a QR code for `text` (error correction M, black on white)."""
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def projector_svg(link: str, *, title: str, when: str, code: str, code_label: str,
                  note: str) -> str:
    """The projector page: the QR code of `link`, the event's `title` and `when`, and the
    6-digit `code` under `code_label`, with a small `note` (how often it changes)."""
    qr = segno.make(link, error="m", micro=False)
    inner = qr.svg_inline(scale=1, border=DEFAULT_BORDER, omitsize=True)  # has a viewBox
    qr_svg = inner.replace(
        "<svg ",
        f'<svg x="60" y="{(PAGE_HEIGHT - _QR_SIZE) // 2}" width="{_QR_SIZE}" '
        f'height="{_QR_SIZE}" ',
        1,
    )
    title_size = 72 if len(title) <= 14 else 56 if len(title) <= 20 else 40
    left = 60 + _QR_SIZE + 60

    def line(y: int, size: int, words: str, weight: str = "normal") -> str:
        return (f'<text x="{left}" y="{y}" font-size="{size}" font-weight="{weight}" '
                f'font-family="{_FONTS}" fill="#000">{escape(words)}</text>')

    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_WIDTH}" '
        f'height="{PAGE_HEIGHT}" viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}">',
        f'<rect width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" fill="#fff"/>',
        qr_svg,
        line(230, title_size, title, "bold"),
        line(330, 44, when),
        line(520, 48, code_label),
        line(720, 180, code, "bold"),
        line(840, 32, note),
        "</svg>",
    ])
