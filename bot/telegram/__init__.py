"""The transport to the Bot API: HTTP, update inbox and poller, webhook, rate limiter, sender,
live messages, callback codec, deep links."""
