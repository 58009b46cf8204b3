"""Flood control like Telegram's: token buckets per bot, per chat and per group.

Telegram documents "about 30 messages per second" per bot, "no more than one message per
second" per chat (short bursts tolerated) and "no more than 20 messages per minute" in a
group. Beyond that it answers 429 ``Too Many Requests: retry after N`` with
``parameters.retry_after``. Buckets refill continuously on the monotonic clock (flood
control is about real request rates, not the bot's injected business clock).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FloodLimits:
    """Rates and burst sizes. ``enabled=False`` means no flood control at all."""

    enabled: bool = True
    per_bot_per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: float = 20.0

    @classmethod
    def off(cls) -> FloodLimits:
        """No limits (the default for tests and the benchmark)."""
        return cls(enabled=False)

    @classmethod
    def telegram(cls) -> FloodLimits:
        """Telegram's documented limits."""
        return cls()

    @classmethod
    def parse(cls, spec: str) -> FloodLimits:
        """``off``, ``telegram`` or ``custom:bot=30,chat=1,burst=3,group=20``."""
        spec = spec.strip().lower()
        if spec == "off":
            return cls.off()
        if spec in ("telegram", "telegram-like", "on"):
            return cls.telegram()
        if spec.startswith("custom"):
            _, _, rest = spec.partition(":")
            return cls.from_json({"mode": "custom", **dict(_pairs(rest))})
        raise ValueError(f"unknown flood mode {spec!r} (off, telegram, custom:bot=..,chat=..)")

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> FloodLimits:
        """From the control API body: ``{"mode": "off"|"telegram"|"custom", ...numbers}``.

        Short keys (``bot``, ``chat``, ``burst``, ``group``) and the field names are accepted.
        """
        mode = str(body.get("mode", "custom")).lower()
        if mode == "off":
            return cls.off()
        base = cls.telegram()
        if mode in ("telegram", "telegram-like"):
            return base
        if mode != "custom":
            raise ValueError(f"unknown flood mode {mode!r}")
        aliases = {
            "bot": "per_bot_per_second",
            "chat": "per_chat_per_second",
            "burst": "per_chat_burst",
            "group": "per_group_per_minute",
        }
        values = asdict(base)
        for key, raw in body.items():
            if key == "mode":
                continue
            name = aliases.get(key, key)
            if name not in values or name == "enabled":
                raise ValueError(f"unknown limit {key!r}")
            number = float(raw)
            if number <= 0:
                raise ValueError(f"{key} must be positive")
            values[name] = int(number) if name == "per_chat_burst" else number
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The limits as the control API shows them."""
        if not self.enabled:
            return {"mode": "off"}
        mode = "telegram" if self == FloodLimits.telegram() else "custom"
        return {"mode": mode, **{k: v for k, v in asdict(self).items() if k != "enabled"}}


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"expected key=value, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return pairs


@dataclass(slots=True)
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    stamp: float

    def wait_needed(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass(slots=True)
class FloodControl:
    """Decides whether a message to a chat may be sent now; not thread-safe (one event loop)."""

    limits: FloodLimits = field(default_factory=FloodLimits.off)
    monotonic: Callable[[], float] = time.monotonic
    _bot: _Bucket | None = None
    _chats: dict[int, _Bucket] = field(default_factory=dict)
    _groups: dict[int, _Bucket] = field(default_factory=dict)

    def set_limits(self, limits: FloodLimits) -> None:
        """Replace the limits; buckets start full again."""
        self.limits = limits
        self._bot = None
        self._chats.clear()
        self._groups.clear()

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """Consume one message for ``chat_id``; return ``retry_after`` seconds if refused."""
        lim = self.limits
        if not lim.enabled:
            return None
        now = self.monotonic()
        if self._bot is None:
            self._bot = _Bucket(
                lim.per_bot_per_second, lim.per_bot_per_second, lim.per_bot_per_second, now
            )
        buckets = [self._bot]
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Bucket(
                lim.per_chat_burst, lim.per_chat_per_second, lim.per_chat_burst, now
            )
        buckets.append(chat)
        if is_group:
            group = self._groups.get(chat_id)
            if group is None:
                cap = lim.per_group_per_minute
                group = self._groups[chat_id] = _Bucket(cap, cap / 60.0, cap, now)
            buckets.append(group)
        wait = max(b.wait_needed(now) for b in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for b in buckets:
            b.tokens -= 1
        return None
