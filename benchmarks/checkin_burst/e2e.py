"""Check-in burst end to end: members check in through the running bot and the Bot API test
server, every Bot API call taking `--latency` seconds, Telegram's flood limits on.

    python -m benchmarks.checkin_burst.e2e [--members 2000] [--latency 0.1] [--spread 1.0]
                                           [--baseline-members 100] [--concurrent 64]

The bot is `liaison-bot run` in a subprocess (its own process, as in production); this process
plays the test server and the members' phones. Members arrive within `--spread` seconds, half
of them (in random order) pressing 签到 under the group's announcement, the others opening the
QR deep link.

Printed, from one run: check-ins recorded, acknowledged (a popup saying so, or a confirmation
message), never answered, duplicates, when every check-in was stored and at what rate,
update-to-acknowledgement p50/p95 for the button (the popup answer, and how much of that the
update waited to be fetched by the bot) and for the QR code (the confirmation message
arriving), QR confirmations per second, and the edits of the group's announcement (total and
the most in any minute). The baseline, in the same run, is the same bot
with max_concurrent_updates = 1 on `--baseline-members` members; the rates are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.checkin_burst.storage import machine, percentile
from bot.attendance import tokens as checkin_tokens
from storage.db import utc_now
from tests.botapi import BotApiServer, Limits, MessageView, Phone
from tests.botapi.model import CallbackAnswer
from tests.e2e.attendance_world import (
    announcement,
    bind_chat,
    checkin_secret,
    create_event,
    crowd,
)
from tests.e2e.harness import E2E, BotProcess, wait_until

BUTTON_P95_TARGET = 3.0  # seconds
TELEGRAM_MESSAGES_PER_SECOND = 30.0
QUERY_TIMEOUT = 15.0  # seconds the Bot API accepts an answer to a callback query


@dataclass
class Run:
    """What one run measured."""

    members: int
    concurrent: int
    button: list[float] = field(default_factory=list)  # update → popup answer, seconds
    fetched: list[float] = field(default_factory=list)  # button update → fetched by the bot
    qr: list[float] = field(default_factory=list)  # update → confirmation message, seconds
    qr_done: list[float] = field(default_factory=list)  # when each confirmation arrived
    recorded: int = 0
    acknowledged: int = 0
    unanswered: int = 0  # popups never shown (too late) or confirmations never sent
    duplicates: int = 0
    wall: float = 0.0  # first arrival → last acknowledgement
    record_time: float = 0.0  # first arrival → last check-in stored
    edits: int = 0
    edits_per_minute: int = 0
    final_count_shown: bool = False

    @property
    def handling_rate(self) -> float:
        """Check-ins handled (stored) per second, from the first arrival."""
        return self.recorded / self.record_time if self.record_time else 0.0

    @property
    def qr_rate(self) -> float:
        """QR confirmations per second while they were being sent."""
        if len(self.qr_done) < 2:
            return 0.0
        return (len(self.qr_done) - 1) / (max(self.qr_done) - min(self.qr_done))


async def run_burst(
    folder: Path, members: int, latency: float, spread: float, concurrent: int
) -> Run:
    """One burst of `members` check-ins against a fresh bot and test server."""
    result = Run(members, concurrent)
    async with BotApiServer(limits=Limits(), latency=0.0) as server:
        e2e = E2E(server, folder)
        phones = await crowd(e2e, members)
        e2e.configure("limits", max_concurrent_updates=concurrent)
        process = BotProcess(server, e2e.config_path)
        await process.start()
        try:
            chat = server.add_group("第一活动组委员群", members=list(phones.values()),
                                    admins=[e2e.admin])
            await chat.add_bot(by=e2e.admin, as_admin=True)
            await bind_chat(chat, e2e.admin, "第一活动组")
            event_id = await create_event(e2e, "万人签到演练")
            posted = await announcement(chat, event_id)
            secret = await checkin_secret(e2e)
            await measure(server, e2e, chat.id, posted, event_id, secret, phones, latency,
                          spread, result)
            try:
                final = f"已签到 {members} / 应到 {members}"
                await chat.wait_for(lambda m: m == posted and final in (m.text or ""),
                                    timeout=120)
                result.final_count_shown = True
            except AssertionError:
                result.final_count_shown = False
            result.edits_per_minute = server.max_calls_in_window(
                60, chat_id=chat.id, prefixes=("edit",)
            )
        finally:
            server.latency = 0.0
            await process.terminate(timeout=60)
    return result


async def measure(
    server: BotApiServer, e2e: E2E, chat_id: int, posted: MessageView, event_id: int,
    secret: bytes, phones: dict[str, Phone], latency: float, spread: float, result: Run,
) -> None:
    """Let the crowd arrive and wait until every one of them has been answered."""
    people = list(phones.values())
    random.Random(7).shuffle(people)
    by_qr = set(p.id for p in people[1::2])
    data = posted.inline_keyboard[0][0]["callback_data"]
    first_call = len(server.calls)
    arrived: dict[int, float] = {}
    answered: dict[int, tuple[float, CallbackAnswer]] = {}
    server.latency = latency
    started, started_wall = time.monotonic(), time.time()

    def on_answer(user_id: int) -> Callable[[asyncio.Future[CallbackAnswer]], None]:
        def done(future: asyncio.Future[CallbackAnswer]) -> None:
            answered[user_id] = (time.monotonic(), future.result())
        return done

    async def arrive(phone: Phone, delay: float) -> None:
        await asyncio.sleep(delay)
        arrived[phone.id] = time.monotonic()
        if phone.id in by_qr:
            step = checkin_tokens.step_at(utc_now())
            await phone.start(checkin_tokens.link_payload(secret, event_id, step))
            return
        await phone.press_data(posted, data, wait=False)
        record = next(r for r in reversed(server.callbacks.values()) if r.user_id == phone.id)
        record.answer.add_done_callback(on_answer(phone.id))

    await asyncio.gather(*(
        arrive(p, i * spread / len(people)) for i, p in enumerate(people)
    ))

    found: dict[int, float] = {}
    seen = first_call

    def confirmations() -> dict[int, float]:
        """QR confirmations so far (reads only the calls made since the last look: this runs
        at every change of the test server and must stay cheap)."""
        nonlocal seen
        calls = server.calls
        for call in calls[seen:]:
            if call.method == "sendMessage" and call.ok and call.chat_id in by_qr:
                found.setdefault(int(call.chat_id), call.time)
        seen = len(calls)
        return found

    expected_buttons = len(people) - len(by_qr)
    # A popup can be shown up to 15 s after the press (the Bot API refuses later answers);
    # confirmation messages may wait longer, for Telegram's 30 messages a second.
    with contextlib.suppress(AssertionError):
        await wait_until(server, lambda: len(answered) == expected_buttons,
                         "every press is answered", timeout=QUERY_TIMEOUT + 1.0)
    with contextlib.suppress(AssertionError):
        await wait_until(server, lambda: len(confirmations()) == len(by_qr),
                         "every QR check-in is confirmed", timeout=60 + len(by_qr) / 10)
    confirmed = confirmations()
    result.unanswered = (expected_buttons - len(answered)) + (len(by_qr) - len(confirmed))
    result.wall = max([t for t, _ in answered.values()] + list(confirmed.values())) - started
    result.button = [t - arrived[u] for u, (t, _) in answered.items()]
    pressed = {r.id: r.user_id for r in server.callbacks.values() if r.user_id in arrived}
    for call in server.calls[first_call:]:
        if call.method == "getUpdates" and call.ok:
            for update in call.result or []:
                query = update.get("callback_query")
                if query is not None and query["id"] in pressed:
                    result.fetched.append(call.time - arrived[pressed[query["id"]]])
    result.qr = [t - arrived[u] for u, t in confirmed.items()]
    result.qr_done = list(confirmed.values())
    ok_popups = sum("签到成功" in (a.text or "") for _, a in answered.values())
    by_id = {p.id: p for p in people}
    ok_messages = sum(
        any("签到成功" in (m.text or "") for m in by_id[u].messages) for u in confirmed
    )
    result.acknowledged = ok_popups + ok_messages
    stored = e2e.db("SELECT at FROM checkins WHERE event_id = ?", (event_id,))
    result.recorded = len(stored)
    if stored:
        last = max(datetime.fromisoformat(row["at"]).timestamp() for row in stored)
        result.record_time = last - started_wall
    audit = len(e2e.db("SELECT id FROM audit_log WHERE action = 'member_checkin'"))
    result.duplicates = audit - result.recorded
    result.edits = len([c for c in server.calls[first_call:]
                        if c.chat_id == chat_id and c.method == "editMessageText" and c.ok])


def _seconds(values: Sequence[float], fraction: float) -> str:
    return f"{percentile(values, fraction):.2f} s" if values else "-"


def report(ours: Run, baseline: Run, args: argparse.Namespace) -> int:
    scale = ours.members / baseline.members
    baseline_record = baseline.record_time * scale
    print(f"check-in burst end to end — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; Python {platform.python_version()}")
    print(f"bot: `liaison-bot run` in a subprocess; Bot API test server with Telegram's flood "
          f"limits, {args.latency * 1000:.0f} ms per call")
    print(f"{ours.members} members arrive within {args.spread:.1f} s: half press 签到 in the "
          f"group, half open the QR deep link")
    print()
    header = (f"max_concurrent_updates={ours.concurrent}",
              f"baseline: 1 at a time, {baseline.members} members")
    print(f"{'':<44}{header[0]:>26}{header[1]:>36}")
    rows = [
        ("recorded", f"{ours.recorded}/{ours.members}",
         f"{baseline.recorded}/{baseline.members}"),
        ("acknowledged (popup or message)", f"{ours.acknowledged}",
         f"{baseline.acknowledged}"),
        ("never answered", f"{ours.unanswered}", f"{baseline.unanswered}"),
        ("duplicates", f"{ours.duplicates}", f"{baseline.duplicates}"),
        ("all stored after", f"{ours.record_time:.1f} s",
         f"{baseline.record_time:.1f} s (×{scale:.0f} = {baseline_record:.0f} s)"),
        ("check-ins handled per second", f"{ours.handling_rate:.0f}",
         f"{baseline.handling_rate:.0f}"),
        ("all acknowledged after (wall time)", f"{ours.wall:.1f} s", f"{baseline.wall:.1f} s"),
        ("group button → popup   p50", _seconds(ours.button, 0.5), _seconds(baseline.button, 0.5)),
        ("group button → popup   p95", _seconds(ours.button, 0.95),
         _seconds(baseline.button, 0.95)),
        ("  of which until fetched by the bot p50", _seconds(ours.fetched, 0.5),
         _seconds(baseline.fetched, 0.5)),
        ("  of which until fetched by the bot p95", _seconds(ours.fetched, 0.95),
         _seconds(baseline.fetched, 0.95)),
        ("QR link → confirmation p50", _seconds(ours.qr, 0.5), _seconds(baseline.qr, 0.5)),
        ("QR link → confirmation p95", _seconds(ours.qr, 0.95), _seconds(baseline.qr, 0.95)),
        ("QR confirmations per second", f"{ours.qr_rate:.1f}", f"{baseline.qr_rate:.1f}"),
        ("edits of the group message (max/min)", f"{ours.edits} ({ours.edits_per_minute})",
         f"{baseline.edits} ({baseline.edits_per_minute})"),
        ("final count shown in the group", "yes" if ours.final_count_shown else "NO",
         "yes" if baseline.final_count_shown else "NO"),
    ]
    for label, mine, theirs in rows:
        print(f"{label:<44}{mine:>26}{theirs:>36}")
    print()
    speedup = ours.handling_rate / baseline.handling_rate if baseline.handling_rate else 0.0
    print(f"check-ins handled {speedup:.1f}× as fast as with updates one at a time "
          f"({ours.handling_rate:.0f}/s vs {baseline.handling_rate:.0f}/s)")
    p95 = percentile(ours.button, 0.95) if ours.button else float("inf")
    verdict = "meets" if p95 < BUTTON_P95_TARGET else "misses"
    print(f"group button p95 {p95:.2f} s ({verdict} the target of {BUTTON_P95_TARGET:.0f} s)")
    share = ours.qr_rate / TELEGRAM_MESSAGES_PER_SECOND
    print(f"QR confirmations {ours.qr_rate:.1f}/s = {share:.2f}"
          f" of Telegram's {TELEGRAM_MESSAGES_PER_SECOND:.0f} messages/s for a whole bot "
          f"(the bound: each confirmation is a message)")
    if ours.qr:
        print(f"QR: median {statistics.median(ours.qr):.1f} s; the last of "
              f"{len(ours.qr)} confirmations after {max(ours.qr):.1f} s")
    good = (ours.recorded == ours.members and ours.duplicates == 0
            and ours.acknowledged == ours.members and p95 < BUTTON_P95_TARGET
            and ours.edits_per_minute <= 20)
    return 0 if good else 1


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="members in the burst")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API call")
    parser.add_argument("--spread", type=float, default=1.0,
                        help="the members arrive within this many seconds")
    parser.add_argument("--baseline-members", type=int, default=100,
                        help="members of the one-at-a-time baseline (scaled up)")
    parser.add_argument("--concurrent", type=int, default=64,
                        help="max_concurrent_updates of the measured bot")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="checkin-e2e-") as folder:
        base = Path(folder)
        (base / "ours").mkdir()
        (base / "baseline").mkdir()
        ours = await run_burst(base / "ours", args.members, args.latency, args.spread,
                               args.concurrent)
        baseline = await run_burst(base / "baseline", args.baseline_members, args.latency,
                                   args.spread * args.baseline_members / args.members, 1)
    return report(ours, baseline, args)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
