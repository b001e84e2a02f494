"""Telegram glue, one package per capability; each declares itself in one `Capability` object
(its package's `CAPABILITY`), and the wiring (liaison/app.py) registers them all."""
