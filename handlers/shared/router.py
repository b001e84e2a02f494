"""Registers every capability's handlers with PTB and routes what they share: buttons, the
steps of guided conversations, /start deep links and /export."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.core.texts import LANGUAGES, tr
from bot.telegram.callbacks import InvalidCallback
from handlers.shared.capability import Capability, Menu, Registry, command
from handlers.shared.common import popup, reply, require_bound, resolve_actor
from handlers.shared.context import Context, LiaisonApplication
from handlers.shared.errors import on_error


def export_names(kind: str) -> list[str]:
    """What may be typed for the export `kind`: the word it is registered under and its names in
    each language (catalog key export.kind_<kind>, names separated by " / ", e.g. 社情民意 and
    社情民意登记表 for reports), if it has any."""
    names = [kind]
    for language in LANGUAGES:
        try:
            names.extend(tr(language, f"export.kind_{kind}").split("/"))
        except KeyError:
            continue
    names = [name.strip() for name in names if name.strip()]
    return list(dict.fromkeys(name.lower() for name in names))


async def route_export(update: Update, context: Context) -> None:
    """/export <what> …: pass the rest of the arguments to that export."""
    if not await require_bound(update, context):
        return
    exports = context.state.registry.exports
    by_name = {name: export for kind, export in exports.items() for name in export_names(kind)}
    args = context.args or []
    export = by_name.get(args[0].lower()) if args else None
    if export is None:
        kinds = " | ".join(" / ".join(export_names(kind)) for kind in exports)
        await reply(update, context, "export.usage", kinds=kinds)
        return
    await export(update, context, args[1:])


def typed_word(update: Update) -> str:
    """A private message's text as a word typed alone: without blanks or a closing 。/！."""
    message = update.effective_message
    typed = (message.text or "") if message is not None else ""
    return typed.strip().rstrip("。！!").strip()


async def route_private_message(update: Update, context: Context) -> None:
    """A private message that is not a command: the next step of an open conversation, if any;
    else a word that stands for a command (帮助 is /help), else the private fallback."""
    assert update.effective_user is not None and update.effective_chat is not None
    registry = context.state.registry
    conversation = await context.services.settings.conversation(
        update.effective_user.id, update.effective_chat.id
    )
    flow = registry.flows.get(conversation.kind) if conversation is not None else None
    if conversation is None or flow is None:
        word = registry.words.get(typed_word(update))
        await (word or registry.private_fallback)(update, context)
        return
    await flow(update, context, conversation)


async def route_unknown_command(update: Update, context: Context) -> None:
    """A command no capability knows, in private chat."""
    await context.state.registry.unknown_command(update, context)


async def route_button(update: Update, context: Context) -> None:
    """Decode callback data (refusing forged or stale data) and pass it to its handler."""
    query = update.callback_query
    assert query is not None
    try:
        data = context.services.codec.decode(query.data)
    except InvalidCallback:
        await popup(update, context, "callback.invalid")
        return
    await context.state.registry.buttons[type(data)](update, context, data)


# /export belongs to no one capability: each adds its kinds of export to the registry.
EXPORT = Capability(
    name="exports", commands=(command("export", route_export, Menu.STAFF),)
)


def register_handlers(application: LiaisonApplication, registry: Registry) -> None:
    """All handlers. Group -1 runs first for every update and finds who is acting."""
    application.bot_data.registry = registry
    application.add_handler(TypeHandler(Update, resolve_actor), group=-1)

    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE  # edits of earlier messages are not acted on again
    for cmd in registry.commands:
        application.add_handler(CommandHandler(cmd.name, cmd.callback, filters=new))
    application.add_handler(CallbackQueryHandler(route_button))
    for capability in registry.capabilities:
        for handler in capability.handlers:
            application.add_handler(handler)
    # Last: whatever else arrives in private chat goes to the open conversation, if any, or
    # gets a pointer to what the bot understands.
    application.add_handler(
        MessageHandler(
            new & private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, route_private_message
        )
    )
    application.add_handler(MessageHandler(new & private & filters.COMMAND, route_unknown_command))
    application.add_error_handler(on_error)
    for capability in registry.capabilities:
        for start_job in capability.jobs:
            start_job(application)
