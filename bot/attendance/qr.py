"""QR codes of check-in links as PNG bytes (segno), for chat or a projector."""

from __future__ import annotations

import io

import segno

DEFAULT_SCALE = 12  # pixels per module: a ~40-module code becomes ~500 px, fine for a projector
DEFAULT_BORDER = 4  # quiet zone in modules, as the QR standard asks


def qr_png(text: str, *, scale: int = DEFAULT_SCALE, border: int = DEFAULT_BORDER) -> bytes:
    """A PNG image of a QR code for `text` (error correction M, black on white)."""
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
