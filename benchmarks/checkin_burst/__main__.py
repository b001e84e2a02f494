"""Both check-in benchmarks with one command: the storage path, then end to end.

    python -m benchmarks.checkin_burst [--members 2000] [--latency 0.1] [--skip-storage]
        [e2e options: --only bot,stock,bare,webhook --workload button,mixed --rounds N …]

Each prints its figures and the baselines it is compared with, from the same run; the exit
status is 1 when either misses its target. The end-to-end part runs the bot, the stock PTB
bot and the bare bot (and the bot in webhook mode) on two workloads, then a kill run of each:
about 9 minutes on the development machine (see benchmarks/checkin_burst/e2e.py).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from benchmarks.checkin_burst import e2e, storage


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="check-ins per burst")
    parser.add_argument("--latency", type=float, default=0.1,
                        help="seconds per Bot API call (end to end)")
    parser.add_argument("--skip-storage", action="store_true",
                        help="only the end-to-end part")
    args, rest = parser.parse_known_args(argv)
    stored = 0
    if not args.skip_storage:
        stored = await storage.main(["--members", str(args.members)])
        print()
    end_to_end = await e2e.main(["--members", str(args.members),
                                 "--latency", str(args.latency), *rest])
    return max(stored, end_to_end)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
