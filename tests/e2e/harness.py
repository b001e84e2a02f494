"""End-to-end harness: the Bot API test server, a config file, and the bot as `liaison-bot run`.

The bot runs either in-process (`liaison.runner.run_bot`, exactly what `liaison-bot run` calls,
as an asyncio task with a clean stop) or as the real command in a subprocess (for SIGKILL,
exit codes and log output). Phones from `tests.botapi` play the members. Helpers import a
roster through the real CLI, bind a member by their own contact, read the database
read-only, and collect every error the bot logged, so a test fails on any of them.

Typical test (fixtures from tests/e2e/conftest.py: `server`, `error_log`, `e2e`, `bot`)::

    async def test_something(e2e: E2E, bot: InProcessBot) -> None:
        await e2e.import_roster([("张三", "13800000001", "经济界", "第一活动组", "member")])
        zhang = await e2e.bound_user("Zhang", "13800000001")
        await zhang.send("/help")
        assert "您可以使用以下命令" in ((await zhang.next_message()).text or "")
        assert e2e.member("13800000001")["telegram_user_id"] == zhang.id

Override the `limits` fixture with `Limits.off()` to lift the server's flood control, and
`bot_limits` (e.g. {"private_messages_per_second": 1000.0}) to lift the bot's own limiter;
`e2e.bot_process()` runs the real command for kill/restart tests; whatever such processes
are still running when the test ends (it failed between a start and a stop) are killed by
`E2E.close()`, which the `e2e` fixture calls.
"""

# ruff: noqa: ASYNC109  (explicit timeouts are part of the harness API, as in tests/botapi)
from __future__ import annotations

import asyncio
import contextlib
import csv
import logging
import os
import re
import signal
import sqlite3
import sys
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.config import Config, load_config
from bot.core.texts import catalog
from domain.clock import OFFSET_ENV, Clock
from liaison.runner import run_bot
from tests.botapi import BotApiServer, MessageView, Phone
from tests.clock import SYSTEM

VENV_BIN = Path(sys.executable).parent
LIAISON_BOT = VENV_BIN / "liaison-bot"
START_TIMEOUT = 20.0  # a subprocess bot imports PTB first; generous for a loaded 2-core box

ZONE = ZoneInfo("Asia/Shanghai")  # the committee's zone in every test config

# What the bot pushes on its own schedule, whatever a test is about: the yearly word to staff
# that next year's 调休 is not entered (every day of December), the daily list of reports
# waiting for review (after [reports] nudge_time) and the batched notice of new reports (each
# hour). A test about something else passes over them (BotApiServer.background_pushes); a test
# about one of them reads `messages` or `wait_for`, which show everything.
BACKGROUND_PUSHES = ("reminder.calendar_unknown", "review.nudge_heading",
                     "review.notice_batch_heading")
# ... and their delivery keys, which `snapshot` and `deliveries` leave out likewise
BACKGROUND_KEYS = ("calendar_unknown:", "report_nudge:", "report_new_batch:")

ROSTER_HEADER = ("name", "phone", "sector", "group", "role")
ROSTER_HEADER_ZH = ("姓名", "手机号", "界别", "活动组", "角色")
RosterRow = tuple[str, str, str, str, str]  # name, phone, sector, group, role


# -- configuration --------------------------------------------------------------------------
def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table, e.g. one of [[duty_record.levels]]
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def write_config(path: Path, sections: dict[str, dict[str, object]]) -> Path:
    """Write `sections` ({"telegram": {"token": …}, …}) as a TOML file; a key set to None is
    left out (the bot's default)."""
    lines: list[str] = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()
                  if value is not None]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def bot_config(
    server: BotApiServer,
    db_path: Path,
    admin_ids: Iterable[int] = (),
    *,
    token: str | None = None,
    limits: dict[str, object] | None = None,
) -> dict[str, dict[str, object]]:
    """Config sections pointing the bot at `server`, with the database at `db_path`."""
    sections: dict[str, dict[str, object]] = {
        "telegram": {
            "token": token if token is not None else server.token,
            "base_url": server.base_url,
            "base_file_url": server.base_file_url,
            "poll_timeout": 10,
            "request_timeout": 10.0,
        },
        "storage": {"path": str(db_path)},
        "committee": {"name": "测试市政协", "timezone": "Asia/Shanghai"},
        "admins": {"telegram_user_ids": list(admin_ids)},
        # The duty record kept since long before any year a test seeds, as at an office that has
        # used the bot for years (unset, it would start on the day of the bot's first start in
        # the test and a seeded past would have no record); tests/e2e/duty_record/
        # test_first_start.py unsets it (e2e.configure("duty_record", record_starts=None)).
        "duty_record": {"record_starts": "2000-01-01"},
        # Scheduled sends that fall due on dates (the reading and advice days each month, the
        # digest every Monday, 督导提醒 each quarter) would reach a test's phones whenever the
        # suite happens to run then: only the tests that turn them on get them.
        "reminders.reading_day": {"enabled": False},
        "reminders.advice_day": {"enabled": False},
        "duty_record.supervision": {"enabled": False},
        "duty_record.digest": {"enabled": False},
    }
    if limits:
        sections["limits"] = dict(limits)
    return sections


# -- the command line -----------------------------------------------------------------------
@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the CLI: this one, minus the variables that would override config."""
    env = {k: v for k, v in os.environ.items() if k not in ("LIAISON_BOT_TOKEN",
                                                            "LIAISON_BOT_CONFIG")}
    env.update(extra or {})
    return env


async def run_cli(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> CliResult:
    """Run `liaison-bot ARGS…` to completion and capture its output."""
    process = await asyncio.create_subprocess_exec(
        LIAISON_BOT, *map(str, args), cwd=cwd, env=env or cli_env(),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"liaison-bot {' '.join(map(str, args))} hung") from None
    assert process.returncode is not None
    return CliResult(process.returncode, out.decode(), err.decode())


# -- roster files ---------------------------------------------------------------------------
def write_roster_csv(path: Path, rows: Sequence[Sequence[str]], *, chinese: bool = False) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_HEADER_ZH if chinese else ROSTER_HEADER)
        writer.writerows(rows)
    return path


def write_roster_xlsx(path: Path, rows: Sequence[Sequence[str]], *, chinese: bool = False) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(ROSTER_HEADER_ZH if chinese else ROSTER_HEADER))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


# -- the database, read-only ----------------------------------------------------------------
def query(db_path: Path, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
    """Rows as dicts, through a read-only connection (the bot may be running)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, tuple(params))]
    finally:
        conn.close()


def snapshot(db_path: Path, *, exclude: Iterable[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but `exclude`), sorted, to compare before and after. The
    inbox of received updates is left out: every update is stored there, refused or not; so
    are the reminders' planned occurrences, which their loop writes on its own timer, and the
    deliveries of the background pushes (BACKGROUND_KEYS)."""
    skipped = {"update_inbox", "reminder_occurrences", *exclude}
    tables = [
        row["name"]
        for row in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                  "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if row["name"] not in skipped
    ]
    rows = {table: query(db_path, f'SELECT * FROM "{table}"') for table in tables}
    if "deliveries" in rows:
        rows["deliveries"] = [r for r in rows["deliveries"] if not background_key(r["key"])]
    return {
        table: sorted((tuple(row.values()) for row in found), key=repr)
        for table, found in rows.items()
    }


def background_key(key: str) -> bool:
    """A delivery of a background push (BACKGROUND_KEYS)."""
    return key.startswith(BACKGROUND_KEYS)


def refuse_on_a_running_bots_loop(what: str) -> None:
    """Fail when `what`, a synchronous write that may wait for SQLite's write lock, is done on
    the event loop an in-process bot runs on: the wait freezes the loop, so a write transaction
    the bot has open cannot finish, and after the timeout the write fails with "database is
    locked" (the flake of issue #18 item 16). Off the loop, `await asyncio.to_thread(…)`, the
    bot commits and the write goes through."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return  # a worker thread, or no loop at all: nothing to freeze
    if any(bot.runs_on(loop) for bot in list(_IN_PROCESS_BOTS)):
        raise AssertionError(f"{what} on the event loop of the running in-process bot would "
                             "freeze it; await asyncio.to_thread(…) instead")


def write_db(db_path: Path, sql: str, params: Sequence[object] = ()) -> int:
    """A test's own change to the database (e.g. an invite's expiry moved into the past).
    While an in-process bot runs: `await asyncio.to_thread(write_db, …)`."""
    refuse_on_a_running_bots_loop("write_db")
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        with conn:
            return conn.execute(sql, tuple(params)).rowcount
    finally:
        conn.close()


# -- time ---------------------------------------------------------------------------------------
def catalog_start(keys: Iterable[str]) -> Callable[[MessageView], bool]:
    """True for a message that begins as the text of one of `keys` does, in either language
    (each placeholder standing for anything)."""
    patterns = []
    for language in ("zh", "en"):
        for key in keys:
            pieces = re.split(r"\{[a-z_]+\}", catalog(language)[key])
            patterns.append(re.compile(".*?".join(re.escape(p) for p in pieces), re.DOTALL))
    return lambda message: any(p.match(message.text or "") for p in patterns)


def local(text: str) -> datetime:
    """'2027-12-31 23:58' (or with seconds) in the committee's zone, aware."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


# -- errors the bot logged ------------------------------------------------------------------
class ErrorLog(logging.Handler):
    """Collects what must not happen: any ERROR record (the error handler logs unexpected
    errors so), and any warning from the error handler or carrying a traceback."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if (
            record.levelno >= logging.ERROR
            or record.name == "handlers.shared.errors"
            or record.exc_info is not None
        ):
            self.records.append(record)

    def problems(self) -> list[str]:
        formatter = logging.Formatter("%(name)s %(levelname)s: %(message)s")
        return [formatter.format(record) for record in self.records]

    @contextlib.contextmanager
    def installed(self) -> Any:
        root = logging.getLogger()
        root.addHandler(self)
        try:
            yield self
        finally:
            root.removeHandler(self)

    def assert_clean(self) -> None:
        assert not self.records, "the bot logged errors:\n" + "\n".join(self.problems())


def assert_server_clean(server: BotApiServer) -> None:
    """The emulator saw no call it could not serve and returned nothing off-spec."""
    assert server.internal_errors == [], server.internal_errors
    assert server.spec_violations == [], server.spec_violations


async def wait_until(
    server: BotApiServer, predicate: Callable[[], bool], what: str,
    timeout: float = START_TIMEOUT,
) -> None:
    """Wait until `predicate()` holds, waking on every change of the emulated world."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        # call records do not wake waiters; look again at least every 50 ms
        await server._wait_change(min(remaining, 0.05))


def _polling_since(
    server: BotApiServer, first_call: int, method: str = "deleteWebhook"
) -> Callable[[], bool]:
    """True once the bot, started after call number `first_call`, reached its polling loop
    (or, with method="setWebhook", registered its webhook)."""
    return lambda: any(
        call.method == method and call.ok for call in server.calls[first_call:]
    )


# -- the bot --------------------------------------------------------------------------------
_IN_PROCESS_BOTS: weakref.WeakSet[InProcessBot] = weakref.WeakSet()  # see runs_on


class InProcessBot:
    """`liaison-bot run` in this event loop: run_bot(load_config(file)) until stop(); its
    clock is `clock` (what `liaison-bot run` builds from $LIAISON_BOT_CLOCK_OFFSET)."""

    def __init__(self, server: BotApiServer, config_path: Path, clock: Clock = SYSTEM) -> None:
        self.server = server
        self.config_path = config_path
        self.clock = clock
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        _IN_PROCESS_BOTS.add(self)

    def runs_on(self, loop: asyncio.AbstractEventLoop) -> bool:
        return self._task is not None and not self._task.done() and self._task.get_loop() is loop

    async def start(self) -> InProcessBot:
        config = load_config(self.config_path)
        config.clock = self.clock
        first_call = len(self.server.calls)
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(run_bot(config, self._stopping), name="liaison-bot")
        ready = _polling_since(self.server, first_call)
        task = self._task
        await wait_until(self.server, lambda: ready() or task.done(), "the bot polls")
        if task.done():
            task.result()  # raises what stopped it
            raise AssertionError("the bot stopped during start-up")
        return self

    async def stop(self, timeout: float = 15.0) -> None:
        if self._task is None:
            return
        self._stopping.set()
        task, self._task = self._task, None
        await asyncio.wait_for(task, timeout)


class BotProcess:
    """`liaison-bot --config FILE run` as a subprocess; output goes to files in its folder.
    `start` returns once it polls (webhook=True: once it registered its webhook)."""

    def __init__(
        self, server: BotApiServer, config_path: Path, *, verbose: bool = False,
        env: dict[str, str] | None = None, webhook: bool = False,
    ) -> None:
        self.server = server
        self.ready_method = "setWebhook" if webhook else "deleteWebhook"
        self.config_path = config_path
        self.verbose = verbose
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.started: list[asyncio.subprocess.Process] = []  # every run, the current one last
        self.runs = 0
        self.stdout_path = self.stderr_path = config_path

    async def start(self) -> BotProcess:
        self.runs += 1
        folder = self.config_path.parent
        self.stdout_path = folder / f"bot-{self.runs}.out"
        self.stderr_path = folder / f"bot-{self.runs}.err"
        args = ["--config", str(self.config_path), *(["-v"] if self.verbose else []), "run"]
        first_call = len(self.server.calls)
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = await asyncio.create_subprocess_exec(
                LIAISON_BOT, *args, cwd=folder, env=self.env or cli_env(),
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
            )
        self.started.append(self.process)
        ready = _polling_since(self.server, first_call, self.ready_method)
        process = self.process
        await wait_until(
            self.server, lambda: ready() or process.returncode is not None, "the bot polls"
        )
        if process.returncode is not None:
            raise AssertionError(
                f"liaison-bot run exited with {process.returncode}:\n{self.stderr}"
            )
        return self

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    async def kill(self) -> int:
        """SIGKILL: no clean-up of any kind."""
        return await self._signal(signal.SIGKILL)

    async def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM: the bot finishes what it handles and exits (0)."""
        return await self._signal(signal.SIGTERM, timeout)

    async def _signal(self, sig: signal.Signals, timeout: float = 15.0) -> int:
        process = self.process
        assert process is not None
        if process.returncode is None:
            process.send_signal(sig)
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"the bot did not exit {timeout}s after {sig.name}") from None

    async def kill_leftovers(self) -> list[int]:
        """SIGKILL every run of this bot still going (a test that failed between a start and
        its stop) and wait for each to end; their process ids."""
        running = [p for p in self.started if p.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        for process in running:
            await process.wait()
        return [p.pid for p in running]

    def log_problems(self) -> list[str]:
        """Log lines at ERROR (or a traceback) from the last run."""
        text = self.stdout + self.stderr
        return [
            line for line in text.splitlines()
            if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)
        ]


# -- the whole setup ------------------------------------------------------------------------
@dataclass
class E2E:
    """One test's world: the server, a config file in `folder`, a bootstrap admin."""

    server: BotApiServer
    folder: Path
    limits: dict[str, object] | None = None
    extra: dict[str, dict[str, object]] = field(default_factory=dict)
    admin: Phone = field(init=False)
    config_path: Path = field(init=False)
    db_path: Path = field(init=False)
    # The clock of the bots and commands this test starts: the system's until `travel`.
    clock: Clock = field(init=False, default=SYSTEM)
    # Every `liaison-bot run` subprocess this test made (bot_process), for `close`.
    processes: list[BotProcess] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.server.background_pushes.append(catalog_start(BACKGROUND_PUSHES))
        self.admin = self.server.add_user("Admin", language_code="zh-hans",
                                          phone_number="+8613900000000")
        self.db_path = self.folder / "liaison.db"
        self.config_path = write_config(
            self.folder / "config.toml",
            bot_config(self.server, self.db_path, [self.admin.id], limits=self.limits),
        )

    def configure(self, section: str, **values: object) -> None:
        """Set keys of a config section (e.g. [attendance]) and write the config file again;
        a bot started afterwards reads them."""
        self.extra.setdefault(section, {}).update(values)
        sections = bot_config(self.server, self.db_path, [self.admin.id], limits=self.limits)
        for name, keys in self.extra.items():
            sections.setdefault(name, {}).update(keys)
        write_config(self.config_path, sections)

    # time
    def travel(self, moment: datetime | str) -> datetime:
        """From now on it is `moment` ('2027-12-31 23:58' in the committee's zone, or aware)
        for the bots and commands this test starts (a bot already running keeps its clock until
        restarted) and for Telegram (the server's message dates); time runs on from there.
        Returns the moment, aware."""
        target = local(moment) if isinstance(moment, str) else moment
        offset = target - SYSTEM()
        self.clock = Clock(offset)
        self.server.clock_offset = offset.total_seconds()
        return target

    def now(self) -> datetime:
        """Now by the clock of this test's bots."""
        return self.clock()

    def config(self) -> Config:
        """The config file as a command this test starts reads it, with the test's clock."""
        config = load_config(self.config_path)
        config.clock = self.clock
        return config

    def env(self) -> dict[str, str]:
        """The environment of a command or bot process this test starts: the clock's offset."""
        offset = self.clock.offset
        return cli_env({OFFSET_ENV: repr(offset.total_seconds())} if offset else None)

    # people
    def user(self, name: str, phone: str | None = None, *, language_code: str = "zh-hans"
             ) -> Phone:
        """A Telegram user whose account has phone number `phone` (11 digits, +86 added).

        Without `phone` the number is 135…, never one of a roster's 138… numbers.
        """
        number = phone or f"135{len(self.server.users):08d}"
        return self.server.add_user(name, language_code=language_code,
                                    phone_number=f"+86{number}")

    # the bot
    async def start_bot(self) -> InProcessBot:
        return await InProcessBot(self.server, self.config_path, self.clock).start()

    def bot_process(self, *, verbose: bool = False) -> BotProcess:
        process = BotProcess(self.server, self.config_path, verbose=verbose, env=self.env())
        self.processes.append(process)
        return process

    async def close(self) -> list[int]:
        """At the end of the test, passed or failed: kill the bot processes it started that
        are still running; their process ids."""
        killed: list[int] = []
        for process in self.processes:
            killed += await process.kill_leftovers()
        return killed

    async def __aenter__(self) -> E2E:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def bound_user(self, name: str, phone: str, *, language_code: str = "zh-hans"
                         ) -> Phone:
        """A user bound to the roster member with `phone` by their own contact (bot running)."""
        person = self.user(name, phone, language_code=language_code)
        await bind(person)
        return person

    # the command line
    async def cli(self, *args: str | Path) -> CliResult:
        return await run_cli("--config", self.config_path, *args, cwd=self.folder,
                             env=self.env())

    async def import_roster(self, rows: Sequence[Sequence[str]], *, chinese: bool = False,
                            xlsx: bool = False) -> CliResult:
        """Write the rows to a roster file and import it with `liaison-bot members import`."""
        name = "roster.xlsx" if xlsx else "roster.csv"
        path = (write_roster_xlsx if xlsx else write_roster_csv)(
            self.folder / name, rows, chinese=chinese
        )
        result = await self.cli("members", "import", path)
        assert result.returncode == 0, result.output
        return result

    # the database
    def db(self, sql: str, params: Sequence[object] = ()) -> list[dict[str, Any]]:
        return query(self.db_path, sql, params)

    def deliveries(self) -> list[dict[str, Any]]:
        """The deliveries the bot recorded, but those of background pushes, in order."""
        return [row for row in self.db("SELECT * FROM deliveries ORDER BY id")
                if not background_key(row["key"])]

    async def wait_until_handled(self, timeout: float = START_TIMEOUT) -> None:
        """Until the bot has fetched and handled every update produced so far. Telegram's
        confirmation alone means stored: the bot confirms an update before handling it."""
        await self.server.wait_until_confirmed(timeout)
        await wait_until(
            self.server,
            lambda: not self.db("SELECT update_id FROM update_inbox WHERE handled_at IS NULL"),
            "the bot has handled every update", timeout,
        )

    def bind_in_db(self, accounts: dict[str, Phone]) -> None:
        """Link roster phones to Telegram accounts directly in the database: the setup of a
        test about something else than binding (hundreds of members in a burst test)."""
        refuse_on_a_running_bots_loop("bind_in_db")
        conn = sqlite3.connect(self.db_path, timeout=10)
        try:
            with conn:
                conn.executemany(
                    "UPDATE members SET telegram_user_id = ?, "
                    "bound_at = '2026-01-01T00:00:00.000000+00:00' WHERE phone = ?",
                    [(phone.id, number) for number, phone in accounts.items()],
                )
        finally:
            conn.close()

    def member(self, phone: str) -> dict[str, Any]:
        rows = self.db("SELECT * FROM members WHERE phone = ?", (phone,))
        assert len(rows) == 1, f"no member with phone {phone}"
        return rows[0]


async def share_own_contact(phone: Phone) -> MessageView:
    """/start, tap the request_contact button the bot offers, return the bot's answer."""
    await phone.start()
    welcome = await phone.next_message(timeout=10)
    keyboard = (welcome.reply_markup or {}).get("keyboard", [])
    buttons = [b for row in keyboard for b in row if b.get("request_contact")]
    assert buttons, f"/start offered no share-my-phone button: {welcome!r}"
    await phone.tap(buttons[0]["text"])
    return await phone.next_message(timeout=10)


async def bind(phone: Phone) -> MessageView:
    """Bind `phone` (whose number is on the roster) by its own contact; the bot's answer."""
    answer = await share_own_contact(phone)
    assert answer.text and (
        "绑定成功" in answer.text or "Your account is bound" in answer.text
    ), answer
    return answer
