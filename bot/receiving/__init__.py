"""How updates come in: the kinds we ask for, tolerant parsing, the webhook endpoint and
start-up calls that retry.

No single update may stop the bot: one the library cannot parse (a newer Bot API shape) is
logged by id and kind only, acknowledged and skipped, in polling and in webhook mode. No
update is handled twice when Telegram delivers it again (:mod:`bot.receiving.ledger`), and
none polled is lost at a crash (:mod:`bot.receiving.inbox`).
"""

from bot.receiving.bootstrap import retry_bootstrap
from bot.receiving.inbox import PolledInbox
from bot.receiving.ledger import UpdateLedger
from bot.receiving.updates import ALLOWED_UPDATES, TolerantBot, parse_update
from bot.receiving.webhook import WebhookServer

__all__ = [
    "ALLOWED_UPDATES",
    "PolledInbox",
    "TolerantBot",
    "UpdateLedger",
    "WebhookServer",
    "parse_update",
    "retry_bootstrap",
]
