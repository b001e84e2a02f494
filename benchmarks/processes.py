"""What the benchmarks share about the processes they start: the extra the peer bots need,
and stopping one cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys


def require_peer_limiter() -> None:
    """Exit, saying how to install it, when PTB's AIORateLimiter cannot run: the peer bots
    use it, and without aiolimiter they would fail in their own process while the benchmark
    waits for them. The bot does not need it (bot/telegram/ratelimit.py is its own)."""
    if importlib.util.find_spec("aiolimiter") is None:
        sys.exit("the peer bots use PTB's AIORateLimiter: install the bench extra first "
                 "(scripts/setup-venv bench)")


async def stop_process(process: asyncio.subprocess.Process, grace: float = 30.0) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL."""
    if process.returncode is None:
        process.terminate()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), grace)
    if process.returncode is None:
        process.kill()
        await process.wait()
