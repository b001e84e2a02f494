"""End-to-end tests: the running bot, driven over HTTP through the Bot API test server."""
