"""Remodel's Telegram edge: composition root, handlers, storage, scheduling, CLI."""
