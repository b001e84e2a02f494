"""Deep links to the bot, and QR codes of them as PNG bytes (segno) for chat or a projector."""

from __future__ import annotations

import io

import segno
from telegram import Bot

from bot.core.config import Config

DEFAULT_SCALE = 12  # pixels per module: a ~40-module code becomes ~500 px, fine for a projector
DEFAULT_BORDER = 4  # quiet zone in modules, as the QR standard asks


async def fetch_bot_username(config: Config) -> str:
    """The bot's @username, asked from the Bot API (getMe); for links made outside the bot."""
    async with Bot(
        config.token_value(),
        base_url=config.telegram.base_url,
        base_file_url=config.telegram.base_file_url,
    ) as bot:
        return bot.username


def deep_link(bot_username: str, payload: str) -> str:
    """The t.me link that opens the bot with /start `payload`."""
    return f"https://t.me/{bot_username.removeprefix('@')}?start={payload}"


def qr_png(text: str, *, scale: int = DEFAULT_SCALE, border: int = DEFAULT_BORDER) -> bytes:
    """A PNG image of a QR code for `text` (error correction M, black on white)."""
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()
