"""A local Telegram for tests, benchmarks and try-outs: a Bot API server that
python-telegram-bot talks to over real HTTP, a control API that plays the users, a driver
for tests and a terminal chat client. Imports nothing of the Remodel bot.
"""

from sandbox.flood import FloodLimits
from sandbox.server import DEFAULT_TOKEN, SandboxServer

__all__ = ["DEFAULT_TOKEN", "FloodLimits", "SandboxServer"]
