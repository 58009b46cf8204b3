"""Normalising typed text before it is read.

:func:`normalise` lower-cases, folds typographic quotes and spaces, turns decimal digits of
any script into ASCII (a Hindi or full-width "3" is a 3) and vulgar fractions into words
("7½" -> "7 and a half"). Other number characters (superscripts "²", circled "①", Roman
numeral signs) have no safe reading: :class:`OddDigits` is raised so the caller refuses
politely instead of guessing (``int("²")`` would raise; ``"²".isdigit()`` is True).
"""

from __future__ import annotations

import re
import unicodedata

_FRACTIONS = {"½": " and a half", "¼": " and a quarter", "¾": " and three quarters"}
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})
_SPACE = re.compile(r"\s+")


class OddDigits(ValueError):
    """The text holds number characters that are not plain digits (², ①, Ⅻ)."""


def normalise(raw: str) -> str:
    """Lower-case, single-spaced text with ASCII digits, without trailing ``.!?``."""
    out: list[str] = []
    for char in raw.translate(_QUOTES):
        if char in _FRACTIONS:
            out.append(_FRACTIONS[char])
            continue
        category = unicodedata.category(char)
        if category == "Nd" and not char.isascii():
            out.append(str(unicodedata.decimal(char)))
        elif category in ("No", "Nl"):
            raise OddDigits(char)
        else:
            out.append(char)
    text = _SPACE.sub(" ", "".join(out)).strip().lower()
    text = re.sub(r"[!?]+$", "", text).strip()
    return text.rstrip(".").strip()


def fold(text: str) -> str:
    """Accents removed, ``_`` and ``-`` as spaces, lower case: "São_Paulo" -> "sao paulo"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(ascii_text.replace("_", " ").replace("-", " ").lower().split())


def strip_words(text: str, words: list[str], *, prefix: bool) -> str:
    """``text`` without any of ``words`` at its start (``prefix``) or end, repeatedly;
    a word must stand alone (a space or the text's edge next to it) unless it is not
    alphanumeric ("~", "%")."""
    ordered = sorted(words, key=len, reverse=True)
    changed = True
    while changed and text:
        changed = False
        for word in ordered:
            if not word:
                continue
            if prefix and text.startswith(word):
                rest = text[len(word) :]
                if not word[-1].isalnum() or not rest or not rest[0].isalnum():
                    text, changed = rest.strip(), True
                    break
            if not prefix and text.endswith(word):
                rest = text[: -len(word)]
                if not word[0].isalnum() or not rest or not rest[-1].isalpha():
                    text, changed = rest.strip(), True
                    break
    return text
