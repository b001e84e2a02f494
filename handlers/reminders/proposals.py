"""/proposals: members see the open proposal windows and say how many proposals they filed
(已提交1件 / 2件 / 3件 / 其他, also under the reminders); staff also see who has not filed, by
group, and correct a member's count (/proposals set 姓名 件数)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.core.auth import Action, NotAllowed, Refused
from bot.core.numbers import parse_number
from bot.core.phones import normalize_phone
from bot.reminders.proposals import MAX_REPORTED, WindowView
from domain.models import Conversation, Member
from domain.proposal_models import FILERS
from handlers.reminders.proposal_buttons import ProposalFiled, ProposalMissing
from handlers.reminders.proposal_new import start_new_window
from handlers.reminders.proposal_render import filed_keyboard, local_today, window_card
from handlers.shared.common import (
    edit_pressed_markup,
    end_conversation,
    is_private,
    label,
    open_conversation,
    popup,
    reply,
    require_bound,
    text,
)
from handlers.shared.context import Context

KIND_COUNT = "proposal_count"  # a member types the number after 其他


def problem_key(exc: Refused) -> str:
    return "auth.staff_only" if isinstance(exc, NotAllowed) else f"proposal_problem.{exc.reason}"


async def _send(update: Update, context: Context, body: str,
                markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, body, reply_markup=markup)


async def proposals_command(update: Update, context: Context) -> None:
    """/proposals [new | set 姓名 件数 | missing]: the open windows, and the staff's tools."""
    if not await require_bound(update, context):
        return
    if not is_private(update):
        await reply(update, context, "proposal.use_private")
        return
    args = context.args or []
    verb = args[0].lower() if args else ""
    if verb in ("new", "set", "missing") and not context.actor.can(Action.MANAGE_REMINDERS):
        await reply(update, context, "proposal.staff_only")
        return
    if verb == "new":
        await start_new_window(update, context)
    elif verb == "set":
        await _correct(update, context, args[1:])
    elif verb == "missing":
        for window in await context.services.reminders.proposals.open_windows():
            await _send_missing(update, context, window.id)
    else:
        await _show_windows(update, context)


async def _show_windows(update: Update, context: Context) -> None:
    services = context.services
    proposals = services.reminders.proposals
    member = context.actor.member
    windows = await proposals.open_windows()
    staff = context.actor.can(Action.MANAGE_REMINDERS)
    if not windows:
        await reply(update, context, "proposal.none_open")
    today = local_today(proposals.clock(), services.config.zone)
    for window in windows:
        filing = await proposals.repo.filing(window.id, member.id) if member else None
        filer = member is not None and member.role in FILERS
        body = window_card(context.lang, WindowView(window, filing), today)
        markup = None
        if filer and member is not None and window.opens_on <= today:
            markup = filed_keyboard(services.codec, context.lang, window.id, member.id)
        if staff:
            filed, count, everyone = await proposals.tally(window.id)
            body += "\n" + text(context, "proposal.staff_tally", filed=filed, everyone=everyone,
                                proposals=count)
            missing = InlineKeyboardButton(
                label(context, "proposal.missing_button"),
                callback_data=services.codec.encode(ProposalMissing(window_id=window.id)),
            )
            rows = [*(markup.inline_keyboard if markup else ()), (missing,)]
            markup = InlineKeyboardMarkup(rows)
        await _send(update, context, body, markup)
    if staff:
        await reply(update, context, "proposal.staff_hint")


async def filed_pressed(update: Update, context: Context, data: ProposalFiled) -> None:
    """已提交N件 / 其他 under a reminder or /proposals: only the member it was made for."""
    member = context.actor.member
    if member is None:
        await popup(update, context, "auth.not_registered_short")
        return
    if member.id != data.member_id:
        await popup(update, context, "proposal.not_yours")
        return
    proposals = context.services.reminders.proposals
    try:
        if data.count == 0:
            await proposals.check_may_report(member, data.window_id)
        else:
            outcome = await proposals.report_filed(member, data.window_id, data.count)
    except Refused as exc:
        await popup(update, context, problem_key(exc), limit=exc.limit or MAX_REPORTED,
                    count=exc.length or 0)
        return
    if data.count == 0:
        await open_conversation(update, context, KIND_COUNT, "count",
                                {"window_id": data.window_id})
        assert update.callback_query is not None
        await update.callback_query.answer()
        await reply(update, context, "proposal.ask_count", limit=MAX_REPORTED)
        return
    await popup(update, context, f"proposal.{outcome.value}", count=data.count)
    await edit_pressed_markup(update, None)
    await reply(update, context, f"proposal.{outcome.value}", count=data.count)


async def on_count_typed(update: Update, context: Context, conversation: Conversation) -> None:
    """The number typed after 其他."""
    message = update.effective_message
    member = context.actor.member
    assert message is not None
    count = parse_number((message.text or "").replace("件", ""))
    if member is None or count is None or not 1 <= count <= MAX_REPORTED:
        await reply(update, context, "proposal.number_needed", limit=MAX_REPORTED)
        return
    window_id = int(str(conversation.data["window_id"]))
    try:
        outcome = await context.services.reminders.proposals.report_filed(
            member, window_id, count)
    except Refused as exc:
        await end_conversation(update, context)
        await reply(update, context, problem_key(exc), limit=exc.limit or MAX_REPORTED,
                    count=exc.length or 0)
        return
    await end_conversation(update, context)
    await reply(update, context, f"proposal.{outcome.value}", count=count)


async def missing_pressed(update: Update, context: Context, data: ProposalMissing) -> None:
    """Staff: who has not filed, by group."""
    if not context.actor.can(Action.MANAGE_REMINDERS):
        await popup(update, context, "proposal.staff_only")
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    await _send_missing(update, context, data.window_id)


async def _send_missing(update: Update, context: Context, window_id: int) -> None:
    proposals = context.services.reminders.proposals
    try:
        window = await proposals.window(window_id)
        groups = await proposals.not_filed_by_group(context.actor, window_id)
    except Refused as exc:
        await reply(update, context, problem_key(exc))
        return
    if not groups:
        await reply(update, context, "proposal.missing_none", title=window.title)
        return
    lines = [text(context, "proposal.missing_heading", title=window.title,
                  count=sum(len(m) for m in groups.values()))]
    for group, members in groups.items():
        lines.append(text(context, "proposal.missing_group",
                          group=group or label(context, "proposal.no_group"),
                          count=len(members), names="、".join(m.name for m in members)))
    chunk: list[str] = []
    for line in lines:  # a message holds at most 4096 characters
        if chunk and sum(len(c) + 1 for c in chunk) + len(line) > 3900:
            await _send(update, context, "\n".join(chunk))
            chunk = []
        chunk.append(line[:3900])
    await _send(update, context, "\n".join(chunk))


async def _correct(update: Update, context: Context, args: list[str]) -> None:
    """/proposals set 姓名或手机号 件数 (the only open window)."""
    proposals = context.services.reminders.proposals
    count = parse_number(args[-1]) if len(args) >= 2 else None
    windows = await proposals.open_windows()
    if count is None or not windows:
        await reply(update, context, "proposal.set_usage" if windows else "proposal.none_open")
        return
    who = " ".join(args[:-1])
    member = await _member_named(context, who)
    if member is None:
        await reply(update, context, "proposal.set_no_member", text=who)
        return
    try:
        await proposals.correct_count(context.actor, windows[-1].id, member, count)
    except Refused as exc:
        await reply(update, context, problem_key(exc), limit=exc.limit or 0, count=count)
        return
    await reply(update, context, "proposal.set_done", member=member.name, count=count,
                title=windows[-1].title)


async def _member_named(context: Context, who: str) -> Member | None:
    phone = normalize_phone(who)
    found = [m for m in await context.services.reminders.proposals.repo.filers()
             if m.phone == phone or m.name == who.strip()]
    return found[0] if len(found) == 1 else None
