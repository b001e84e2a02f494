"""Reminder fan-out: one notice to every member through Telegram's limits, while members check
in by the group's button.

    python -m benchmarks.reminder_fanout [--members 5000] [--checkins 200] [--latency 0.1]

The test server (tests/botapi) enforces Telegram's flood limits (30 messages a second in all,
one a second per private chat, 20 a minute per group) and answers every call after
`--latency` seconds. Two bots meet it in turn, each with a fresh server and the same members:

* the bot: `liaison-bot run` in a subprocess, a notice to everyone due now (made as /reminders
  makes it), pushed by the reminders loop through the one sender and the priority limiter;
* the baseline, in the same run: benchmarks/reminder_fanout/baseline_bot.py, the pattern
  python-telegram-bot users write (PTB's AIORateLimiter and `asyncio.gather` over
  `send_message`, started by /notify).

While each fans out, `--checkins` members of the group press its 签到 button (the bot: under
an event's announcement; the baseline: under a message it posted, answered with
`query.answer()`). Printed: delivered, duplicates, 429s the server answered, wall time from
due to last delivery, the achieved rate as a ratio of the 30/s limit, and the popups' p50 /
p95; the exit status is 1 when the bot misses a target (≥ 0.90 of the limit with no 429, p95
popup < 2 s, everyone once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.checkin_burst.storage import machine, percentile
from benchmarks.processes import require_peer_limiter, stop_process
from benchmarks.reminder_fanout import baseline_bot
from tests.botapi import BotApiServer, Limits, MessageView, Phone
from tests.botapi.model import ApiCall, CallbackAnswer
from tests.e2e.attendance_world import announcement, bind_chat, create_event
from tests.e2e.harness import E2E, BotProcess, cli_env, query, wait_until
from tests.e2e.reminders.helpers import crowd_with_staff, make_notice

LIMIT = 30.0  # Telegram's messages a second for a whole bot, as the test server enforces it
RATE_TARGET = 0.90  # of LIMIT
POPUP_P95_TARGET = 2.0  # seconds
TITLE = "全体委员通知"


@dataclass
class Run:
    """What one fan-out measured."""

    name: str
    recipients: int
    delivered: int = 0  # recipients who got the push at least once
    duplicates: int = 0  # copies beyond the first
    refused: int = 0  # 429s the server answered (any method) from the due time on
    wall: float = 0.0  # due → last delivery, seconds
    steady: float = 0.0  # first → last delivery, seconds
    not_delivered: int = 0  # the baseline's sends that ended in an error
    popups: list[float] = field(default_factory=list)  # press → answer, seconds
    pressed: int = 0
    per_second: list[int] = field(default_factory=list)  # deliveries in each second after due

    @property
    def rate(self) -> float:
        return self.delivered / self.wall if self.wall else 0.0


def dump_calls(path: Path | None, calls: Sequence[ApiCall]) -> None:
    """The server's call log as JSON lines (method, chat, wall time, outcome): the timeline."""
    if path is None:
        return
    with path.open("w") as out:
        for c in calls:
            out.write(json.dumps({"method": c.method, "chat": c.chat_id, "t": c.wall_time,
                                  "ok": c.ok, "error": c.error_code}) + "\n")


def pushes(calls: Sequence[ApiCall], text: str) -> list[ApiCall]:
    """The successful sendMessage calls carrying `text` into private chats."""
    return [c for c in calls if c.method == "sendMessage" and c.ok
            and isinstance(c.chat_id, int) and c.chat_id > 0
            and text in str(c.params.get("text", ""))]


def tally(run: Run, calls: Sequence[ApiCall], text: str, due_wall: float) -> None:
    """Deliveries, duplicates, 429s and timing of `run` from the server's call log."""
    sent = pushes(calls, text)
    copies = Counter(int(c.chat_id) for c in sent if c.chat_id is not None)
    run.delivered = len(copies)
    run.duplicates = sum(n - 1 for n in copies.values())
    run.refused = sum(1 for c in calls if c.error_code == 429 and c.wall_time >= due_wall)
    if sent:
        times = sorted(c.wall_time for c in sent)
        run.wall = times[-1] - due_wall
        run.steady = times[-1] - times[0]
        seconds = Counter(int(t - due_wall) for t in times)
        run.per_second = [seconds[s] for s in range(int(run.wall) + 1)]


async def press_all(
    server: BotApiServer, message: MessageView, pressers: Sequence[Phone], start: float,
    spread: float, run: Run,
) -> None:
    """Each of `pressers` presses the message's button once, evenly within `spread` seconds
    from `start` (monotonic); the popups' delays go to run.popups."""
    data = message.inline_keyboard[0][0]["callback_data"]

    def answered(pressed_at: float) -> Callable[[asyncio.Future[CallbackAnswer]], None]:
        def done(future: asyncio.Future[CallbackAnswer]) -> None:
            if not future.cancelled() and "签到" in (future.result().text or ""):
                run.popups.append(time.monotonic() - pressed_at)
        return done

    for i, phone in enumerate(pressers):
        await asyncio.sleep(max(0.0, start + i * spread / len(pressers) - time.monotonic()))
        before = len(server.callbacks)
        pressed_at = time.monotonic()
        await phone.press_data(message, data, wait=False)
        record = list(server.callbacks.values())[before]
        record.answer.add_done_callback(answered(pressed_at))
        run.pressed += 1


async def wait_file(path: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while not await asyncio.to_thread(path.exists):
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} not written within {within:.0f} s")
        await asyncio.sleep(0.2)


def press_timing(members: int) -> tuple[float, float]:
    """When the check-ins start after the due time and over how long: a fifth into the
    fan-out's expected length, for a fifth of it (at most 10 s)."""
    length = members / LIMIT
    return 0.2 * length, min(10.0, 0.2 * length)


async def run_bot(folder: Path, args: argparse.Namespace) -> Run:
    """The bot: `liaison-bot run`, a notice to everyone due in two seconds."""
    async with BotApiServer(limits=Limits(), latency=0.0) as server:
        e2e = E2E(server, folder)
        phones, _staff = await crowd_with_staff(e2e, args.members)
        e2e.configure("attendance", announce_every_seconds=0.5)
        pressers = list(phones.values())[:args.checkins]
        bot = BotProcess(server, e2e.config_path)
        await bot.start()
        try:
            chat = server.add_group("第一活动组委员群", members=pressers, admins=[e2e.admin])
            await chat.add_bot(by=e2e.admin, as_admin=True)
            await bind_chat(chat, e2e.admin, "第一活动组")
            event_id = await create_event(e2e, "全会分组讨论")
            posted = await announcement(chat, event_id)
            server.latency = args.latency
            schedule_id = await make_notice(e2e, TITLE)
            row = query(e2e.db_path, "SELECT due_at FROM reminder_occurrences "
                                     "WHERE schedule_id = ?", (schedule_id,))[0]
            due_wall = datetime.fromisoformat(row["due_at"]).timestamp()
            run = Run("bot", args.members + 1)  # the staff member is one of everyone
            after, spread = press_timing(args.members)
            start = time.monotonic() + (due_wall - time.time()) + after
            presses = asyncio.create_task(press_all(server, posted, pressers, start, spread, run))

            def sent() -> bool:
                rows = query(e2e.db_path, "SELECT status FROM reminder_occurrences "
                                          "WHERE schedule_id = ?", (schedule_id,))
                return bool(rows) and rows[0]["status"] == "sent"

            await wait_until(server, sent, "the notice is sent", timeout=fan_out_timeout(args))
            await presses
            await asyncio.sleep(1.0)  # the last popups
            tally(run, server.calls, TITLE, due_wall)
            dump_calls(args.calls and args.calls / "bot-calls.jsonl", server.calls)
        finally:
            server.latency = 0.0
            await bot.terminate(timeout=60)
        if args.calls is not None:
            (args.calls / "bot.log").write_text(bot.stdout + bot.stderr)
        problems = bot.log_problems()
        if problems:
            print("the bot logged problems:\n" + "\n".join(problems[:20]), file=sys.stderr)
    return run


async def run_baseline(folder: Path, args: argparse.Namespace) -> Run:
    """The baseline: a PTB Application with AIORateLimiter gathering send_message calls."""
    async with BotApiServer(limits=Limits(), latency=0.0) as server:
        admin = server.add_user("Admin", language_code="zh-hans")
        admin.user.started = True
        phones = [server.add_user(f"M{i:05d}", language_code="zh-hans")
                  for i in range(args.members)]
        for phone in phones:
            phone.user.started = True
        pressers = phones[:args.checkins]
        chat = server.add_group("第一活动组委员群", members=pressers, admins=[admin])
        await chat.add_bot(by=admin, as_admin=True)
        chats = folder / "chats.txt"
        chats.write_text("\n".join(str(p.id) for p in phones) + "\n")
        done = folder / "done.json"
        command = [
            sys.executable, "-m", "benchmarks.reminder_fanout.baseline_bot",
            "--token", server.token, "--base-url", server.base_url,
            "--base-file-url", server.base_file_url, "--chats", str(chats),
            "--group", str(chat.id), "--done", str(done),
            "--max-retries", str(args.baseline_retries),
        ]
        with (folder / "baseline.out").open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *command, env=cli_env(), stdin=asyncio.subprocess.DEVNULL, stdout=out,
                stderr=asyncio.subprocess.STDOUT, cwd=Path(__file__).parents[2],
            )
        try:
            posted = await chat.wait_for(lambda m: baseline_bot.BUTTON in str(m.reply_markup),
                                         timeout=30)
            server.latency = args.latency
            run = Run("baseline", args.members)
            due_wall = time.time()
            await admin.send("/notify")
            after, spread = press_timing(args.members)
            presses = asyncio.create_task(press_all(server, posted, pressers,
                                                    time.monotonic() + after, spread, run))
            await wait_file(done, fan_out_timeout(args))
            await presses
            await asyncio.sleep(1.0)
            tally(run, server.calls, baseline_bot.TEXT, due_wall)
            dump_calls(args.calls and args.calls / "baseline-calls.jsonl", server.calls)
            run.not_delivered = int(json.loads(done.read_text())["failed"])
        finally:
            server.latency = 0.0
            await stop_process(process)
    return run


def fan_out_timeout(args: argparse.Namespace) -> float:
    return 120.0 + 3 * args.members / LIMIT


def _seconds(values: Sequence[float], fraction: float) -> str:
    return f"{percentile(values, fraction):.2f} s" if values else "-"


def report(ours: Run, baseline: Run, args: argparse.Namespace, started: datetime) -> int:
    after, spread = press_timing(args.members)
    print(f"reminder fan-out — {started:%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; Python {platform.python_version()}")
    print(f"Bot API test server with Telegram's flood limits ({LIMIT:.0f} messages/s in all, "
          f"1/s per private chat, 20/min per group), {args.latency * 1000:.0f} ms per call; "
          f"{args.checkins} members press 签到 in the group from {after:.0f} s after the due "
          f"time, within {spread:.0f} s")
    print()
    head = ("bot (liaison-bot run)", "baseline (AIORateLimiter, gather)")
    print(f"{'':<40}{head[0]:>24}{head[1]:>36}")

    def ratio(run: Run) -> str:
        return f"{run.rate:.1f}/s = {run.rate / LIMIT:.2f}"

    rows = [
        ("delivered / recipients", f"{ours.delivered}/{ours.recipients}",
         f"{baseline.delivered}/{baseline.recipients}"),
        ("duplicates", f"{ours.duplicates}", f"{baseline.duplicates}"),
        ("429s received", f"{ours.refused}", f"{baseline.refused}"),
        ("sends given up (errors)", "-", f"{baseline.not_delivered}"),
        ("due → last delivery", f"{ours.wall:.1f} s", f"{baseline.wall:.1f} s"),
        ("first → last delivery", f"{ours.steady:.1f} s", f"{baseline.steady:.1f} s"),
        (f"achieved rate, × {LIMIT:.0f}/s", ratio(ours), ratio(baseline)),
        ("check-in popups answered", f"{len(ours.popups)}/{ours.pressed}",
         f"{len(baseline.popups)}/{baseline.pressed}"),
        ("popup p50", _seconds(ours.popups, 0.5), _seconds(baseline.popups, 0.5)),
        ("popup p95", _seconds(ours.popups, 0.95), _seconds(baseline.popups, 0.95)),
    ]
    for label, mine, theirs in rows:
        print(f"{label:<40}{mine:>24}{theirs:>36}")
    print()
    if baseline.rate:
        print(f"the bot delivered at {ours.rate / baseline.rate:.2f}× the baseline's rate")
    if ours.per_second:
        print(f"bot, deliveries per second after due: min {min(ours.per_second[2:-1] or [0])}, "
              f"max {max(ours.per_second)}")
    p95 = percentile(ours.popups, 0.95) if ours.popups else float("inf")
    good = (ours.delivered == ours.recipients and ours.duplicates == 0 and ours.refused == 0
            and ours.rate / LIMIT >= RATE_TARGET and p95 < POPUP_P95_TARGET
            and len(ours.popups) == ours.pressed)
    print(f"targets (≥ {RATE_TARGET:.2f} of {LIMIT:.0f}/s, 0 × 429, popup p95 < "
          f"{POPUP_P95_TARGET:.0f} s, everyone once): {'met' if good else 'MISSED'}")
    return 0 if good else 1


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000, help="members to reach")
    parser.add_argument("--checkins", type=int, default=200,
                        help="members pressing 签到 during the fan-out")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API call")
    parser.add_argument("--baseline-retries", type=int, default=3,
                        help="AIORateLimiter(max_retries=…) of the baseline")
    parser.add_argument("--only", choices=("bot", "baseline"), default=None,
                        help="run one side only (the other's figures stay empty)")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go")
    parser.add_argument("--calls", type=Path, default=None,
                        help="a folder to write each server's call log to (JSON lines)")
    args = parser.parse_args(argv)
    if args.only != "bot":
        require_peer_limiter()
    args.checkins = min(args.checkins, args.members)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="reminder-fanout-") as folder:
        base = Path(folder)
        (base / "bot").mkdir()
        (base / "baseline").mkdir()
        ours = (await run_bot(base / "bot", args) if args.only != "baseline"
                else Run("bot", args.members + 1))
        theirs = (await run_baseline(base / "baseline", args) if args.only != "bot"
                  else Run("baseline", args.members))
    return report(ours, theirs, args, started)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
