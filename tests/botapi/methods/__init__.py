"""The Bot API methods the test server emulates, by family, and the table that names them.

Each family is a module of plain functions that take the server as their first argument
(``send_message(server, params)``); :class:`~tests.botapi.server.BotApiServer` keeps the
state, the HTTP layer and the driver API, and answers a call with
``HANDLERS[method](server, params)``.  A method missing from the table is answered there too:
``True`` if the spec says it returns Boolean, else 501.

Functions rather than mixin classes: mypy checks ``server: BotApiServer`` (imported for type
checking only, so there is no import cycle at run time) against the real class, where a
mixin would need a Protocol repeating the forty-odd attributes of the server it reads.  The
functions read and write the server's underscored state (``server._pending``): they are the
server's own code, split by family out of one class of ~1,650 lines (server.py had 1,891).
Families import each other one way only: updates and files at the bottom, chats on updates,
messages on chats, edits on messages; callbacks, commands and webhook beside them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from . import bot, callbacks, chats, commands, edits, files, messages, updates, webhook

if TYPE_CHECKING:
    from ..server import BotApiServer

Handler = Callable[["BotApiServer", dict[str, Any]], Awaitable[Any]]

HANDLERS: dict[str, Handler] = {
    # the bot itself
    "getMe": bot.get_me,
    "logOut": bot.log_out,
    "close": bot.close,
    # updates: long polling and webhook
    "getUpdates": updates.get_updates,
    "setWebhook": webhook.set_webhook,
    "deleteWebhook": webhook.delete_webhook,
    "getWebhookInfo": webhook.get_webhook_info,
    # sending
    "sendMessage": messages.send_message,
    "sendPhoto": messages.send_photo,
    "sendDocument": messages.send_document,
    "sendLocation": messages.send_location,
    "sendContact": messages.send_contact,
    "sendChatAction": messages.send_chat_action,
    # changing what was sent
    "editMessageText": edits.edit_message_text,
    "editMessageCaption": edits.edit_message_caption,
    "editMessageMedia": edits.edit_message_media,
    "editMessageReplyMarkup": edits.edit_message_reply_markup,
    "deleteMessage": edits.delete_message,
    "deleteMessages": edits.delete_messages,
    "pinChatMessage": edits.pin_chat_message,
    "unpinChatMessage": edits.unpin_chat_message,
    "unpinAllChatMessages": edits.unpin_all_chat_messages,
    "setMessageReaction": edits.set_message_reaction,
    # buttons, files, commands
    "answerCallbackQuery": callbacks.answer_callback_query,
    "getFile": files.get_file,
    "setMyCommands": commands.set_my_commands,
    "getMyCommands": commands.get_my_commands,
    "deleteMyCommands": commands.delete_my_commands,
    # chats and membership
    "getChat": chats.get_chat,
    "getChatMember": chats.get_chat_member,
    "getChatAdministrators": chats.get_chat_administrators,
    "getChatMemberCount": chats.get_chat_member_count,
    "leaveChat": chats.leave_chat,
}
