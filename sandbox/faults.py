"""Fault injection on the bot side of the sandbox, changed at run time by the control API.

* ``error_rate``: a fraction of requests answered 500 or 502 (half each) without effect;
* ``hang_rate`` / ``hang_seconds``: a fraction of requests held for N seconds before being
  served normally (so a client that times out may still have sent the message, as with
  Telegram);
* ``force_429``: the next N message-sending requests answered 429 with ``retry_after``;
* ``flood_rate``: a fraction of message-sending requests answered 429 (``retry_after`` as
  for ``force_429``), at random, for soak runs;
* ``methods``: if non-empty, random faults touch only these methods;
* ``fail_next``: ``{method: N}``, the next N requests of that method answered 502, whatever
  the random settings (deterministic failures for start-up tests);
* ``hang_next``: ``{method: N}``, the next N requests of that method held ``hang_seconds``
  before being served normally, whatever the random settings (a deterministic time-out).

Blocked users and migrated groups are state of the chats, not of this module (see store).
Randomness comes from a seeded generator so a run can be replayed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError, too_many_requests


@dataclass(slots=True)
class Faults:
    """The current fault settings; ``decide`` is called once per bot API request."""

    error_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 0.0
    force_429_remaining: int = 0
    force_429_retry_after: int = 1
    flood_rate: float = 0.0
    methods: frozenset[str] = frozenset()
    seed: int | None = None
    fail_next: dict[str, int] = field(default_factory=dict)
    hang_next: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(default_factory=random.Random)

    def update(self, body: dict[str, Any]) -> None:
        """Apply a control API body; unknown keys or bad values raise ``ValueError``."""
        known = {
            "error_rate",
            "hang_rate",
            "hang_seconds",
            "force_429",
            "methods",
            "seed",
            "fail_next",
            "flood_rate",
            "hang_next",
        }
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        for key in ("error_rate", "hang_rate", "flood_rate"):
            if key in body:
                value = float(body[key])
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"{key} must be within 0..1")
                setattr(self, key, value)
        if "hang_seconds" in body:
            seconds = float(body["hang_seconds"])
            if not 0.0 <= seconds <= 3600.0:
                raise ValueError("hang_seconds must be within 0..3600")
            self.hang_seconds = seconds
        if "force_429" in body:
            spec = body["force_429"]
            if isinstance(spec, int):
                spec = {"count": spec}
            if not isinstance(spec, dict):
                raise ValueError("force_429 is {count, retry_after} or a count")
            self.force_429_remaining = int(spec.get("count", 0))
            self.force_429_retry_after = max(1, int(spec.get("retry_after", 1)))
        if "methods" in body:
            methods = body["methods"] or []
            if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
                raise ValueError("methods is a list of method names")
            self.methods = frozenset(methods)
        for key in ("fail_next", "hang_next"):
            if key in body:
                spec = body[key] or {}
                if not isinstance(spec, dict) or not all(
                    isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in spec.items()
                ):
                    raise ValueError(f"{key} is {{method: count}}")
                setattr(self, key, {k: v for k, v in spec.items() if v})
        if "seed" in body:
            self.seed = None if body["seed"] is None else int(body["seed"])
            self._rng = random.Random(self.seed)

    def to_json(self) -> dict[str, Any]:
        """The settings as the control API shows them."""
        return {
            "error_rate": self.error_rate,
            "hang_rate": self.hang_rate,
            "hang_seconds": self.hang_seconds,
            "force_429": {
                "count": self.force_429_remaining,
                "retry_after": self.force_429_retry_after,
            },
            "methods": sorted(self.methods),
            "seed": self.seed,
            "fail_next": dict(self.fail_next),
            "hang_next": dict(self.hang_next),
            "flood_rate": self.flood_rate,
        }

    def _applies(self, method: str) -> bool:
        return not self.methods or method in self.methods

    def server_error(self, method: str) -> ApiError | None:
        """A 500/502 to answer instead of serving, or None."""
        left = self.fail_next.get(method, 0)
        if left:
            if left == 1:
                del self.fail_next[method]
            else:
                self.fail_next[method] = left - 1
            return ApiError(502, "Bad Gateway")
        if self.error_rate and self._applies(method) and self._rng.random() < self.error_rate:
            if self._rng.random() < 0.5:
                return ApiError(500, "Internal Server Error")
            return ApiError(502, "Bad Gateway")
        return None

    def hang(self, method: str) -> float:
        """Seconds to hold this request before serving it (0 for none)."""
        left = self.hang_next.get(method, 0)
        if left:
            if left == 1:
                del self.hang_next[method]
            else:
                self.hang_next[method] = left - 1
            return self.hang_seconds
        if self.hang_rate and self._applies(method) and self._rng.random() < self.hang_rate:
            return self.hang_seconds
        return 0.0

    def forced_flood(self) -> ApiError | None:
        """A forced 429 for a message-sending request, while the forced burst lasts."""
        if self.force_429_remaining > 0:
            self.force_429_remaining -= 1
            return too_many_requests(self.force_429_retry_after)
        if self.flood_rate and self._rng.random() < self.flood_rate:
            return too_many_requests(self.force_429_retry_after)
        return None
