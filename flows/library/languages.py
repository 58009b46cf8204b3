"""Which content language to answer in, from what the athlete's Telegram app reports.

Telegram sends an IETF tag ("pt-BR", "en", "de-AT"; sometimes nothing). The content
languages are the folders of content/ the bot loaded. Babel's negotiation matches the tag
or its language ("pt-BR" -> "pt"); with no match the default language is used.
"""

from __future__ import annotations

from collections.abc import Collection

from babel import negotiate_locale


def choose_language(code: str | None, available: Collection[str], default: str) -> str:
    """The content language for a Telegram ``language_code``."""
    if not code:
        return default
    tag = code.replace("-", "_")
    found = negotiate_locale([tag, tag.split("_")[0]], sorted(available), sep="_")
    return found if found is not None else default
