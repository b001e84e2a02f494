"""What the benchmarks share about the processes they start: stopping one cleanly."""

from __future__ import annotations

import asyncio
import contextlib


async def stop_process(process: asyncio.subprocess.Process, grace: float = 30.0) -> None:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL."""
    if process.returncode is None:
        process.terminate()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), grace)
    if process.returncode is None:
        process.kill()
        await process.wait()
