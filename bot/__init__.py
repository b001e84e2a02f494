"""委员联络助手 · Member Liaison Bot — the application package."""

import os

# Opt in to python-telegram-bot's timedelta durations now (its announced next default), so
# durations such as RetryAfter.retry_after are of one type and raise no deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "true")
