"""Telegram Bot API test server and "phone" driver for the Member Liaison Bot tests.

Typical use (inside an async pytest test)::

    server = BotApiServer(limits=Limits.off())
    await server.start()
    alice = server.add_user("Alice")
    await alice.send("/start")
    reply = await alice.next_message()

See ``tests/botapi/README.md`` for the full API.
"""

from .limits import Limits
from .model import ApiCall, CallbackAnswer, MessageView
from .phone import Group, Inbox, NoMessageError, Phone, UnexpectedMessageError
from .server import BotApiServer, Fault
from .spec import ApiError, Spec, load_spec

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiServer",
    "CallbackAnswer",
    "Fault",
    "Group",
    "Inbox",
    "Limits",
    "MessageView",
    "NoMessageError",
    "Phone",
    "Spec",
    "UnexpectedMessageError",
    "load_spec",
]
