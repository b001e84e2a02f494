"""The bot itself: getMe, logOut, close.

getMe's ``can_read_all_group_messages`` follows ``server.privacy_mode``; logOut and close
only answer True (there is no other server to move to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..server import BotApiServer


async def get_me(server: BotApiServer, params: dict[str, Any]) -> dict[str, Any]:
    data = server.bot.to_api()
    data.update(
        can_join_groups=True,
        can_read_all_group_messages=not server.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return data


async def log_out(server: BotApiServer, params: dict[str, Any]) -> bool:
    return True


async def close(server: BotApiServer, params: dict[str, Any]) -> bool:
    return True
