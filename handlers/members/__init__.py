"""Members: registration (/start, contacts, invites), settings (/lang, /help, /cancel), binding
group chats and the staff's roster commands."""

from __future__ import annotations

from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.members.registration import INVITE_PREFIX
from handlers.members import admin, groups, settings, start
from handlers.members.buttons import BindGroupChoice, LanguageChoice, RebindAnswer
from handlers.shared.capability import Capability, Menu, command

_private_message = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE

CAPABILITY = Capability(
    name="members",
    commands=(
        command("start", start.start, Menu.UNBOUND, Menu.MEMBER),
        command("help", settings.show_help, Menu.UNBOUND, Menu.MEMBER, Menu.GROUP),
        command("lang", settings.choose_language, Menu.UNBOUND, Menu.MEMBER),
        command("cancel", settings.cancel, Menu.MEMBER),
        command("bindgroup", groups.bind_group, Menu.LEADER, Menu.STAFF, Menu.GROUP),
        command("invite", admin.invite, Menu.STAFF),
        command("unbind", admin.unbind, Menu.STAFF),
    ),
    buttons={
        BindGroupChoice: groups.bind_group_chosen,
        RebindAnswer: groups.rebind_answered,
        LanguageChoice: settings.language_chosen,
    },
    deep_links={INVITE_PREFIX: start.invite_link},
    words={"帮助": settings.show_help},
    handlers=(
        ChatMemberHandler(groups.bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(_private_message & filters.CONTACT, start.contact_shared),
    ),
    private_fallback=start.private_fallback,
    unknown_command=start.unknown_command,
)
