"""Links to the bot made outside a running bot: its @username (getMe) and t.me deep links."""

from __future__ import annotations

from telegram import Bot

from bot.core.config import Config


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
