"""Check-in burst end to end, the bot and its peers in one run: members check in through a
bot and the Bot API test server, every Bot API call taking `--latency` seconds, Telegram's
flood limits on.

    python -m benchmarks.checkin_burst.e2e [--members 2000] [--latency 0.1] [--spread 1.0]
        [--only bot,stock,bare,webhook] [--workload button,mixed] [--rounds 1] [--no-kill]

Variants, each its own process against a fresh test server with the same settings and the
same burst (this process plays the server and the members' phones):

* bot: `liaison-bot run` (long polling), as in production;
* stock: the python-telegram-bot bot a PTB user would write (benchmarks/checkin_burst/
  peer_bot.py: `concurrent_updates(True)`, `AIORateLimiter`, PTB's default HTTP client,
  an aiosqlite commit per press, `query.answer()`);
* bare: the same bot on an aiohttp transport like the project's: the floor on this machine;
* webhook: `liaison-bot run` in webhook mode (the test server posts each update, over up to
  max_connections connections, as Telegram does).

Workloads: `button`, all members press 签到 under the group's message; `mixed`, half (in random
order) press it and the others open the QR deep link (the peers answer that with a message).
Members arrive within `--spread` seconds.

Printed per variant: recorded, duplicates, popups answered, answered within 3 s, popup
p50/p95 and how much of it the update waited to be fetched (handed to the bot), when every
check-in was stored, the QR confirmations, the bot process's CPU seconds during the burst, and
each p95 as a ratio of the bare bot's in the same run. Then a kill run per variant (all on the
button): SIGKILL `--kill-after` seconds into the burst, a restart, and the presses the server
had confirmed (getUpdates' offset past them, or the webhook answered 200) that were never
recorded. With `--rounds N`, all of it N times (the variants take turns) and medians.
One round of everything takes about 7 minutes on the development machine.

The exit status is 1 when the bot misses a target on the all-button burst: popup p95 < 3 s and
≤ 1.15 × the bare bot's, every press answered within Telegram's 15 s, none lost to a kill.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import os
import platform
import random
import re
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.checkin_burst import peer_bot
from benchmarks.checkin_burst.storage import machine, percentile
from benchmarks.processes import require_peer_limiter, stop_process
from bot.attendance import tokens as checkin_tokens
from bot.core.texts import DEFAULT_LANGUAGE, tr
from domain.clock import Clock
from tests.botapi import BotApiServer, Limits, MessageView, Phone
from tests.botapi.model import CallbackAnswer
from tests.e2e.attendance_world import (
    announcement,
    bind_chat,
    checkin_secret,
    create_event,
    crowd,
)
from tests.e2e.harness import E2E, BotProcess, cli_env, query, wait_until

POPUP_P95_TARGET = 3.0  # seconds
FLOOR_RATIO_TARGET = 1.15  # the bot's popup p95 at most this × the bare bot's
WITHIN = 3.0  # "answered within" this many seconds
QUERY_TIMEOUT = 15.0  # seconds the Bot API accepts an answer to a callback query
TELEGRAM_MESSAGES_PER_SECOND = 30.0
SETTLE = 30.0  # seconds after the last popup (or a restart) to record what it still can

VARIANTS = {
    "bot": "bot",
    "stock": "stock PTB",
    "bare": "bare (floor)",
    "webhook": "bot, webhook",
}
WORKLOADS = {
    "button": "all members press 签到 in the group",
    "mixed": "half press 签到 in the group, half open the QR deep link",
}


@dataclass
class Run:
    """What one burst of one variant measured."""

    variant: str
    workload: str
    members: int
    killed: bool = False
    pressed: int = 0
    scanned: int = 0  # members who opened the QR deep link
    button: list[float] = field(default_factory=list)  # press → popup answer, seconds
    fetched: list[float] = field(default_factory=list)  # press → handed to the bot
    qr: list[float] = field(default_factory=list)  # /start → confirmation message
    qr_done: list[float] = field(default_factory=list)  # when each confirmation arrived
    recorded: int = 0
    duplicates: int = 0
    acknowledged: int = 0  # popups and messages saying the check-in succeeded
    record_time: float = 0.0  # first arrival → last check-in stored
    cpu: float | None = None  # the bot process's CPU seconds, burst start → all answered
    confirmed_at_kill: int = 0  # presses the server no longer held when the bot was killed
    lost: int = 0  # presses confirmed to the server (at the kill or after) never recorded
    final_count_shown: bool | None = None

    @property
    def within(self) -> int:
        return sum(t <= WITHIN for t in self.button)

    @property
    def qr_rate(self) -> float:
        if len(self.qr_done) < 2:
            return 0.0
        return (len(self.qr_done) - 1) / (max(self.qr_done) - min(self.qr_done))


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a running process, from /proc."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def count_line(checked_in: int, expected: int) -> str:
    """The announcement's count line as the bot words it now: its catalog's template (in the
    groups' language) with the number and details left out, the one line left with figures,
    as Telegram shows it (markup taken out). Taken from the catalog, not spelt here, so a
    change of wording cannot blind the check."""
    text = tr(DEFAULT_LANGUAGE, "event.announcement", number="", card="",
              checked_in=checked_in, expected=expected)
    shown = html.unescape(re.sub(r"<[^>]*>", "", text))
    [line] = [line.strip() for line in shown.splitlines() if any(c.isdigit() for c in line)]
    return line


def shows_count(text: str | None, checked_in: int, expected: int) -> bool:
    """Whether an announcement's text shows this count (on a line of its own)."""
    line = count_line(checked_in, expected)
    return any(shown.strip() == line for shown in (text or "").splitlines())


class Subject:
    """One variant's bot against one test server: set up, started, killed, restarted, read."""

    def __init__(self, server: BotApiServer, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.posted: MessageView | None = None

    async def setup(self, members: int) -> list[Phone]:
        raise NotImplementedError

    def pid(self) -> int | None:
        raise NotImplementedError

    async def kill(self) -> None:
        raise NotImplementedError

    async def restart(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def qr_payload(self) -> str:
        raise NotImplementedError

    def stored(self) -> tuple[dict[int, float], int]:
        """Telegram user id → when (wall clock) their check-in was stored; duplicates."""
        raise NotImplementedError

    async def final_count(self, members: int) -> bool | None:
        return None


class Liaison(Subject):
    """`liaison-bot run`: its roster, a bound group, an event and its announcement."""

    def __init__(
        self, server: BotApiServer, folder: Path, *, webhook: bool, concurrent: int | None
    ) -> None:
        super().__init__(server, folder)
        self.webhook = webhook
        self.concurrent = concurrent
        self.e2e = E2E(server, folder)
        self.process = BotProcess(server, self.e2e.config_path, webhook=webhook)
        self.event_id = 0
        self.secret = b""
        self.chat_id = 0

    async def setup(self, members: int) -> list[Phone]:
        phones = await crowd(self.e2e, members)
        if self.concurrent is not None:
            self.e2e.configure("limits", max_concurrent_updates=self.concurrent)
        if self.webhook:
            port = free_port()
            self.e2e.configure("telegram", mode="webhook")
            self.e2e.configure("telegram.webhook", listen="127.0.0.1", port=port,
                               url_path="tg-hook", public_url="https://bot.example.org",
                               secret_token="s3cret-Token_1")  # noqa: S106
            self.server.webhook_proxy = f"http://127.0.0.1:{port}/tg-hook"
        await self.process.start()
        chat = self.server.add_group("第一活动组委员群", members=list(phones.values()),
                                     admins=[self.e2e.admin])
        self.chat_id = chat.id
        await chat.add_bot(by=self.e2e.admin, as_admin=True)
        await bind_chat(chat, self.e2e.admin, "第一活动组")
        self.event_id = await create_event(self.e2e, "万人签到演练")
        self.posted = await announcement(chat, self.event_id)
        self.secret = await checkin_secret(self.e2e)
        self.chat = chat
        return list(phones.values())

    def pid(self) -> int | None:
        return self.process.process.pid if self.process.process else None

    async def kill(self) -> None:
        await self.process.kill()

    async def restart(self) -> None:
        await self.process.start()

    async def stop(self) -> None:
        await self.process.terminate(timeout=60)

    def qr_payload(self) -> str:
        step = checkin_tokens.step_at(Clock()())
        return checkin_tokens.link_payload(self.secret, self.event_id, step)

    def stored(self) -> tuple[dict[int, float], int]:
        rows = self.e2e.db(
            "SELECT m.telegram_user_id AS user, c.at FROM checkins c "
            "JOIN members m ON m.id = c.member_id WHERE c.event_id = ?", (self.event_id,)
        )
        audit = len(self.e2e.db("SELECT id FROM audit_log WHERE action = 'member_checkin'"))
        return ({int(r["user"]): datetime.fromisoformat(r["at"]).timestamp() for r in rows},
                audit - len(rows))

    async def final_count(self, members: int) -> bool | None:
        posted = self.posted
        try:
            await self.chat.wait_for(
                lambda m: m == posted and shows_count(m.text, members, members), timeout=30
            )
        except AssertionError:
            return False
        return True


class Peer(Subject):
    """benchmarks/checkin_burst/peer_bot.py with PTB's HTTP client (stock) or aiohttp (bare)."""

    def __init__(self, server: BotApiServer, folder: Path, *, transport: str) -> None:
        super().__init__(server, folder)
        self.transport = transport
        self.db_path = folder / "peer.db"
        self.process: asyncio.subprocess.Process | None = None
        self.group = 0
        self.runs = 0

    async def setup(self, members: int) -> list[Phone]:
        admin = self.server.add_user("Admin", language_code="zh-hans")
        admin.user.started = True
        phones = [self.server.add_user(f"M{i:05d}", language_code="zh-hans")
                  for i in range(members)]
        for phone in phones:
            phone.user.started = True
        chat = self.server.add_group("第一活动组委员群", members=phones, admins=[admin])
        await chat.add_bot(by=admin, as_admin=True)
        self.group = chat.id
        await self._start(post=True)
        self.posted = await chat.wait_for(lambda m: peer_bot.POSTED in (m.text or ""),
                                          timeout=30)
        return phones

    async def _start(self, *, post: bool) -> None:
        self.runs += 1
        command = [
            sys.executable, "-m", "benchmarks.checkin_burst.peer_bot",
            "--token", self.server.token, "--base-url", self.server.base_url,
            "--base-file-url", self.server.base_file_url, "--group", str(self.group),
            "--db", str(self.db_path), "--transport", self.transport,
            *(["--post"] if post else []),
        ]
        first_call = len(self.server.calls)
        with (self.folder / f"peer-{self.runs}.out").open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                *command, env=cli_env(), stdin=asyncio.subprocess.DEVNULL, stdout=out,
                stderr=asyncio.subprocess.STDOUT, cwd=Path(__file__).parents[2],
            )
        process = self.process
        await wait_until(
            self.server,
            lambda: process.returncode is not None or any(
                c.method == "getUpdates" for c in self.server.calls[first_call:]),
            "the peer polls", timeout=30,
        )
        if process.returncode is not None:
            raise AssertionError(f"the peer bot exited with {process.returncode}")

    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def restart(self) -> None:
        await self._start(post=False)

    async def stop(self) -> None:
        if self.process is not None:
            await stop_process(self.process)

    def qr_payload(self) -> str:
        return "ci_benchmark"

    def stored(self) -> tuple[dict[int, float], int]:
        if not self.db_path.exists():
            return {}, 0
        rows = query(self.db_path, "SELECT user_id, at FROM checkins ORDER BY at")
        first: dict[int, float] = {}
        for row in rows:
            first.setdefault(int(row["user_id"]), float(row["at"]))
        return first, len(rows) - len(first)


def make_subject(
    variant: str, server: BotApiServer, folder: Path, args: argparse.Namespace
) -> Subject:
    if variant in ("bot", "webhook"):
        return Liaison(server, folder, webhook=variant == "webhook", concurrent=args.concurrent)
    return Peer(server, folder, transport="httpx" if variant == "stock" else "aiohttp")


async def start_profiler(
    args: argparse.Namespace, subject: Subject, name: str
) -> asyncio.subprocess.Process | None:
    """py-spy sampling the bot process (all its threads) until stop_profiler; the collapsed
    stacks go to PROFILE/NAME.txt, a line per stack with its sample count."""
    pid = subject.pid()
    if pid is None:
        return None
    args.profile.mkdir(parents=True, exist_ok=True)
    output = args.profile / f"{name}.txt"
    process = await asyncio.create_subprocess_exec(
        args.py_spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw",
        "--threads", "--idle", "--output", str(output),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(0.3)  # attached
    return process


async def stop_profiler(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), 30)


def sender(update: dict[str, Any]) -> int | None:
    for value in update.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            return int(value["from"]["id"])
    return None


async def run_burst(
    variant: str, workload: str, folder: Path, args: argparse.Namespace, *, kill: bool = False
) -> Run:
    """One burst against a fresh bot of `variant` and a fresh test server."""
    result = Run(variant, workload, args.members, killed=kill)
    async with BotApiServer(limits=Limits(), latency=0.0) as server:
        subject = make_subject(variant, server, folder, args)
        try:
            phones = await subject.setup(args.members)
            await measure(server, subject, phones, workload, args, result)
            if not kill and variant in ("bot", "webhook") and workload == "button":
                result.final_count_shown = await subject.final_count(args.members)
        finally:
            server.latency = 0.0
            await subject.stop()
    return result


async def measure(
    server: BotApiServer, subject: Subject, phones: list[Phone], workload: str,
    args: argparse.Namespace, result: Run,
) -> None:
    """Let the crowd arrive and wait until every one of them is answered (or cannot be)."""
    assert subject.posted is not None
    people = list(phones)
    random.Random(7).shuffle(people)
    by_qr = {p.id for p in people[1::2]} if workload == "mixed" else set()
    data = subject.posted.inline_keyboard[0][0]["callback_data"]
    first_call, first_update = len(server.calls), len(server.update_log)
    arrived: dict[int, float] = {}
    answered: dict[int, tuple[float, CallbackAnswer]] = {}
    confirmed_at_kill: dict[int, int] = {}  # update id → user, confirmed when killed
    server.latency = args.latency
    profiler = None
    if args.profile is not None and not result.killed:
        profiler = await start_profiler(args, subject, f"{result.variant}-{result.workload}")
    cpu_before = cpu_seconds(subject.pid())
    started, started_wall = time.monotonic(), time.time()

    def on_answer(user_id: int) -> Callable[[asyncio.Future[CallbackAnswer]], None]:
        def done(future: asyncio.Future[CallbackAnswer]) -> None:
            if not future.cancelled() and future.exception() is None:
                answered[user_id] = (time.monotonic(), future.result())
        return done

    async def arrive(phone: Phone, delay: float) -> None:
        await asyncio.sleep(delay)
        arrived[phone.id] = time.monotonic()
        if phone.id in by_qr:
            await phone.start(subject.qr_payload())
            return
        assert subject.posted is not None
        before = len(server.callbacks)
        await phone.press_data(subject.posted, data, wait=False)
        record = list(server.callbacks.values())[before]
        record.answer.add_done_callback(on_answer(phone.id))

    async def kill_and_restart() -> None:
        await asyncio.sleep(max(0.0, started + args.kill_after - time.monotonic()))
        pending = {u["update_id"] for u in server.pending_updates}
        for update in server.update_log[first_update:]:
            user = sender(update)
            if update["update_id"] not in pending and user is not None:
                confirmed_at_kill[update["update_id"]] = user
        await subject.kill()
        await subject.restart()

    killer = asyncio.create_task(kill_and_restart()) if result.killed else None
    await asyncio.gather(*(
        arrive(p, i * args.spread / len(people)) for i, p in enumerate(people)
    ))
    result.pressed = len(people) - len(by_qr)
    result.scanned = len(by_qr)

    found: dict[int, float] = {}
    seen = first_call

    def confirmations() -> dict[int, float]:
        """QR confirmations so far (reads only the calls made since the last look)."""
        nonlocal seen
        calls = server.calls
        for call in calls[seen:]:
            if call.method == "sendMessage" and call.ok and call.chat_id in by_qr:
                found.setdefault(int(call.chat_id), call.time)
        seen = len(calls)
        return found

    with contextlib.suppress(AssertionError):
        await wait_until(server, lambda: len(answered) == result.pressed,
                         "every press is answered", timeout=QUERY_TIMEOUT + 1.0)
    with contextlib.suppress(AssertionError):
        await wait_until(server, lambda: len(confirmations()) == len(by_qr),
                         "every QR check-in is confirmed", timeout=60 + len(by_qr) / 10)
    if profiler is not None:
        await stop_profiler(profiler)
    if killer is not None:
        await killer
    with contextlib.suppress(AssertionError):  # a slow bot is still recording
        await wait_until(server, lambda: len(subject.stored()[0]) >= len(people),
                         "what can be recorded is", timeout=SETTLE)
    if killer is None:
        cpu_after = cpu_seconds(subject.pid())
        if cpu_before is not None and cpu_after is not None:
            result.cpu = cpu_after - cpu_before
    stored, result.duplicates = subject.stored()
    mine = {p.id for p in people}
    times = [t for user, t in stored.items() if user in mine]
    result.recorded = len(times)
    result.record_time = max(times) - started_wall if times else 0.0
    result.confirmed_at_kill = len(confirmed_at_kill)
    if result.killed:  # what the server no longer holds was confirmed, before or after
        pending = {u["update_id"] for u in server.pending_updates}
        result.lost = sum(
            1 for u in server.update_log[first_update:]
            if u["update_id"] not in pending and sender(u) in mine
            and sender(u) not in stored
        )
    confirmed = confirmations()
    result.button = [t - arrived[u] for u, (t, _) in answered.items()]
    for update in server.update_log[first_update:]:
        user = sender(update)
        handed = server.handed_out.get(update["update_id"])
        if "callback_query" in update and user in arrived and handed is not None:
            result.fetched.append(handed - arrived[user])
    result.qr = [t - arrived[u] for u, t in confirmed.items()]
    result.qr_done = list(confirmed.values())
    ok_popups = sum("签到成功" in (a.text or "") for _, a in answered.values())
    by_id = {p.id: p for p in people}
    ok_messages = sum(
        any("签到成功" in (m.text or "") for m in by_id[u].messages) for u in confirmed
    )
    result.acknowledged = ok_popups + ok_messages


# -- the report -----------------------------------------------------------------------------
def median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def p(runs: Sequence[Run], fraction: float, attribute: str = "button") -> float | None:
    return median([percentile(getattr(r, attribute), fraction) if getattr(r, attribute)
                   else None for r in runs])


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f} s"


def _n(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(title: str, columns: Mapping[str, Sequence[Run]], rows: list[tuple[str, Callable[
        [Sequence[Run]], str]]], width: int = 16) -> None:
    print(title)
    head = "".join(f"{VARIANTS[v]:>{width}}" for v in columns)
    print(f"{'':<46}{head}")
    for label, cell in rows:
        print(f"{label:<46}" + "".join(f"{cell(runs):>{width}}" for runs in columns.values()))
    print()


def workload_rows(workload: str, floor: Sequence[Run] | None) -> list[tuple[str, Callable[
        [Sequence[Run]], str]]]:
    def vs_floor(runs: Sequence[Run]) -> str:
        mine, theirs = p(runs, 0.95), p(floor, 0.95) if floor else None
        return f"{mine / theirs:.2f}" if mine is not None and theirs else "-"

    rows: list[tuple[str, Callable[[Sequence[Run]], str]]] = [
        ("recorded", lambda r: f"{_n(median([x.recorded for x in r]))}/{r[0].members}"),
        ("duplicates", lambda r: _n(median([x.duplicates for x in r]))),
        ("popups answered", lambda r: f"{_n(median([len(x.button) for x in r]))}"
                                      f"/{r[0].pressed}"),
        (f"answered within {WITHIN:.0f} s", lambda r: _n(median([x.within for x in r]))),
        ("popup p50", lambda r: _s(p(r, 0.5))),
        ("popup p95", lambda r: _s(p(r, 0.95))),
        ("popup p95 × the bare bot's", vs_floor),
        ("  of which waiting to be fetched p50", lambda r: _s(p(r, 0.5, "fetched"))),
        ("  of which waiting to be fetched p95", lambda r: _s(p(r, 0.95, "fetched"))),
        ("all stored after", lambda r: _s(median([x.record_time for x in r]), 1)),
        ("bot CPU seconds during the burst", lambda r: _n(median([x.cpu for x in r]), 1)),
    ]
    if workload == "mixed":
        rows += [
            ("QR confirmations sent", lambda r: f"{_n(median([len(x.qr) for x in r]))}"
                                                f"/{r[0].scanned}"),
            ("QR link → confirmation p50", lambda r: _s(p(r, 0.5, "qr"), 1)),
            ("QR link → confirmation p95", lambda r: _s(p(r, 0.95, "qr"), 1)),
            ("QR confirmations per second", lambda r: _n(median([x.qr_rate for x in r]), 1)),
        ]
    rows.append(("acknowledged (popup or message)",
                 lambda r: _n(median([x.acknowledged for x in r]))))
    return rows


def report(runs: dict[tuple[str, str], list[Run]], kills: dict[str, list[Run]],
           args: argparse.Namespace, started: datetime) -> int:
    print(f"check-in burst end to end, the bot and its peers — {started:%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}; Python {platform.python_version()}")
    print(f"each variant its own process; Bot API test server with Telegram's flood limits, "
          f"{args.latency * 1000:.0f} ms per call; {args.members} members arrive within "
          f"{args.spread:.1f} s" + (f"; medians of {args.rounds} rounds" if args.rounds > 1
                                    else ""))
    print()
    for workload in args.workloads:
        columns = {v: runs[(workload, v)] for v in args.variants if (workload, v) in runs}
        if columns:
            table(f"{workload}: {WORKLOADS[workload]}", columns,
                  workload_rows(workload, columns.get("bare")))
    if kills:
        def worst(r: Sequence[Run], attribute: str) -> str:
            values = [getattr(x, attribute) for x in r]
            spread = f" ({min(values)}–{max(values)})" if len(values) > 1 else ""
            return f"{_n(median(values))}{spread}"

        table(f"kill runs ({WORKLOADS['button']}; SIGKILL {args.kill_after:.0f} s into the "
              f"burst, then a restart)", kills, [
                  ("presses confirmed to the server at the kill",
                   lambda r: worst(r, "confirmed_at_kill")),
                  ("confirmed and never recorded (lost)", lambda r: worst(r, "lost")),
                  ("recorded in the end", lambda r: f"{worst(r, 'recorded')}/{r[0].members}"),
                  ("duplicates", lambda r: worst(r, "duplicates")),
                  ("popups answered", lambda r: f"{_n(median([len(x.button) for x in r]))}"
                                                f"/{r[0].pressed}"),
              ], width=24 if len(next(iter(kills.values()))) > 1 else 16)
        if len(next(iter(kills.values()))) > 1:
            print("(kill runs: medians, the range in brackets)")
            print()
    return verdict(runs, kills)


def verdict(runs: dict[tuple[str, str], list[Run]], kills: dict[str, list[Run]]) -> int:
    ours, floor = runs.get(("button", "bot")), runs.get(("button", "bare"))
    good = True
    if ours:
        p95 = p(ours, 0.95) or float("inf")
        answered = median([len(r.button) for r in ours]) or 0
        text = f"all-button burst: the bot's popup p95 {p95:.2f} s (target < " \
               f"{POPUP_P95_TARGET:.0f} s)"
        good = p95 < POPUP_P95_TARGET and answered == ours[0].pressed
        if floor:
            ratio = p95 / (p(floor, 0.95) or float("inf"))
            text += f", {ratio:.2f} × the bare bot's (target ≤ {FLOOR_RATIO_TARGET})"
            good = good and ratio <= FLOOR_RATIO_TARGET
        print(text + f"; answered within {QUERY_TIMEOUT:.0f} s: {answered:.0f}/"
              f"{ours[0].pressed}")
        if ours[0].final_count_shown is not None:
            print(f"the group's message shows the final count: "
                  f"{'yes' if ours[0].final_count_shown else 'NO'}")
    if "bot" in kills:
        lost = max(r.lost for r in kills["bot"])
        print(f"presses lost to a kill: {lost} at most, in {len(kills['bot'])} kill runs "
              f"(target 0)")
        good = good and lost == 0
    mixed = runs.get(("mixed", "bot"))
    if mixed:
        rate = median([r.qr_rate for r in mixed]) or 0.0
        print(f"QR confirmations {rate:.1f}/s = {rate / TELEGRAM_MESSAGES_PER_SECOND:.2f} of "
              f"Telegram's {TELEGRAM_MESSAGES_PER_SECOND:.0f} messages/s (each is a message)")
    print(f"targets: {'met' if good else 'MISSED'}")
    return 0 if good else 1


def _choices(value: str, allowed: dict[str, str]) -> list[str]:
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    wrong = [v for v in chosen if v not in allowed]
    if wrong:
        raise argparse.ArgumentTypeError(f"not one of {', '.join(allowed)}: {', '.join(wrong)}")
    return chosen


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="members in the burst")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Bot API call")
    parser.add_argument("--spread", type=float, default=1.0,
                        help="the members arrive within this many seconds")
    parser.add_argument("--only", dest="variants", default="bot,stock,bare,webhook",
                        type=lambda v: _choices(v, VARIANTS),
                        help="variants to run, comma-separated (bot,stock,bare,webhook)")
    parser.add_argument("--workload", dest="workloads", default="button,mixed",
                        type=lambda v: _choices(v, WORKLOADS),
                        help="workloads to run, comma-separated (button,mixed)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="bursts per variant and workload; medians are printed")
    parser.add_argument("--no-kill", dest="kill", action="store_false",
                        help="leave out the kill runs")
    parser.add_argument("--kill-after", type=float, default=2.0,
                        help="seconds into the burst of the SIGKILL")
    parser.add_argument("--concurrent", type=int, default=None,
                        help="the bot's max_concurrent_updates (default: its config default)")
    parser.add_argument("--dir", type=Path, default=None, help="where the databases go")
    parser.add_argument("--profile", type=Path, default=None,
                        help="a folder for py-spy profiles of each burst (collapsed stacks)")
    parser.add_argument("--py-spy", default="py-spy", help="the py-spy command (--profile)")
    args = parser.parse_args(argv)
    if {"stock", "bare"} & set(args.variants):
        require_peer_limiter()
    started = datetime.now(UTC)
    runs: dict[tuple[str, str], list[Run]] = {}
    kills: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="checkin-e2e-") as folder:
        base = Path(folder)
        count = 0

        def fresh() -> Path:
            nonlocal count
            count += 1
            path = base / f"run-{count}"
            path.mkdir()
            return path

        for _ in range(args.rounds):
            for workload in args.workloads:
                for variant in args.variants:
                    run = await run_burst(variant, workload, fresh(), args)
                    runs.setdefault((workload, variant), []).append(run)
                    print(f"  {workload} {variant}: popup p95 {_s(p([run], 0.95))}, "
                          f"{len(run.button)}/{run.pressed} answered, {run.recorded} recorded",
                          file=sys.stderr)
            for variant in args.variants if args.kill else ():
                run = await run_burst(variant, "button", fresh(), args, kill=True)
                kills.setdefault(variant, []).append(run)
                print(f"  kill {variant}: {run.lost} lost of {run.confirmed_at_kill} confirmed",
                      file=sys.stderr)
    return report(runs, kills, args, started)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
