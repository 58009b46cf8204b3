"""Alembic migrations for the bot's database (run through ``bot.storage.migrate``)."""
