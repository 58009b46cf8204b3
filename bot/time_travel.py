"""Time travel for ``remodel chat``: parse the ``:`` commands and walk a clock forward.

A person trying the bot locally lives through weeks of rehab in minutes by typing commands
such as ``:tomorrow``, ``:at 07:30`` or ``:days 7`` in the terminal chat. This module is the
part of that which needs neither Telegram nor the database:

* :func:`parse` turns one line into a :class:`Command` (or raises :class:`TimeTravelError`
  with an operator-facing message);
* :func:`target_of` computes the instant a jump lands on, in the athlete's local time zone
  (wall-clock arithmetic, so ``:days 1`` across a DST change keeps 07:30 at 07:30);
* :func:`walk` moves a clock to that instant *through* every intermediate due instant,
  ticking the scheduler at each, so that check-ins arrive in order and the ones left
  unanswered are recorded as missed by the scheduler's own rules.

The texts here are for the operator at the terminal (the person trying the bot), not for
an athlete: bot messages live in ``content/``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "HELP",
    "MAX_DAYS",
    "Command",
    "Kind",
    "TimeTravelError",
    "describe",
    "parse",
    "target_of",
    "walk",
]

MAX_DAYS = 366
"""The longest single jump (``:days``); longer rehab is lived a year at a time."""

MAX_STEPS = 20_000
"""A bound on the ticks of one jump, so a scheduler that never settles cannot hang us."""

FALLBACK_STEP = timedelta(minutes=15)
"""Step used when no ``next_due`` query is available."""

HELP = """\
Time travel (the bot's clock, not yours):
  :now              show the simulated local time
  :tomorrow [HH:MM] jump to tomorrow, same time of day (or at HH:MM)
  :at HH:MM         jump to the next HH:MM (today if still ahead, else tomorrow)
  :days N           jump N days ahead, same time of day (1-366)
  :hours N          jump N hours ahead (1-1000)
  :help             this list
Check-ins that fall due on the way arrive in order; those you leave unanswered
are recorded as missed, as they would be in real life."""


class TimeTravelError(ValueError):
    """A time-travel command that cannot be understood; the message says how to fix it."""


class Kind(StrEnum):
    """What a time-travel command asks for."""

    NOW = "now"
    HELP = "help"
    TOMORROW = "tomorrow"
    AT = "at"
    DAYS = "days"
    HOURS = "hours"


@dataclass(frozen=True, slots=True)
class Command:
    """One parsed ``:`` command. ``at`` is a local wall-clock time, ``count`` a number."""

    kind: Kind
    at: time | None = None
    count: int = 0

    @property
    def is_jump(self) -> bool:
        """Whether the command moves the clock."""
        return self.kind in {Kind.TOMORROW, Kind.AT, Kind.DAYS, Kind.HOURS}


_TIME_RE = re.compile(r"^(\d{1,2})(?::|h|\.)?(\d{2})$")
_ALIASES = {
    "now": Kind.NOW,
    "time": Kind.NOW,
    "help": Kind.HELP,
    "?": Kind.HELP,
    "tomorrow": Kind.TOMORROW,
    "at": Kind.AT,
    "days": Kind.DAYS,
    "day": Kind.DAYS,
    "hours": Kind.HOURS,
    "hour": Kind.HOURS,
}


def _parse_time(text: str) -> time:
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise TimeTravelError(f"{text!r} is not a time of day; write it as HH:MM, e.g. 07:30")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise TimeTravelError(f"{text!r} is not a time of day; hours 00-23, minutes 00-59")
    return time(hour, minute)


def _parse_count(name: str, text: str, maximum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise TimeTravelError(
            f":{name} needs a whole number, e.g. :{name} 3 (got {text!r})"
        ) from None
    if not 1 <= value <= maximum:
        raise TimeTravelError(f":{name} takes a number from 1 to {maximum} (got {value})")
    return value


def parse(line: str) -> Command:
    """Parse one line starting with ``:`` (the colon is optional here)."""
    words = line.strip().removeprefix(":").split()
    if not words:
        raise TimeTravelError("empty command; type :help for the list")
    name, args = words[0].lower(), words[1:]
    kind = _ALIASES.get(name)
    if kind is None:
        raise TimeTravelError(f"unknown command :{name}; type :help for the list")
    if kind in {Kind.NOW, Kind.HELP}:
        if args:
            raise TimeTravelError(f":{name} takes no argument")
        return Command(kind)
    if kind is Kind.TOMORROW:
        if len(args) > 1:
            raise TimeTravelError(":tomorrow takes at most a time, e.g. :tomorrow 07:30")
        return Command(kind, at=_parse_time(args[0]) if args else None)
    if len(args) != 1:
        example = {Kind.AT: ":at 07:30", Kind.DAYS: ":days 7", Kind.HOURS: ":hours 6"}[kind]
        raise TimeTravelError(f":{name} takes one argument, e.g. {example}")
    if kind is Kind.AT:
        return Command(kind, at=_parse_time(args[0]))
    if kind is Kind.DAYS:
        return Command(kind, count=_parse_count(name, args[0], MAX_DAYS))
    return Command(kind, count=_parse_count(name, args[0], 1000))


def _local(day_time: datetime, zone: ZoneInfo) -> datetime:
    """Attach ``zone`` to a naive local wall-clock value and return the UTC instant."""
    return day_time.replace(tzinfo=zone).astimezone(UTC)


def target_of(command: Command, now: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a jump lands on, from ``now`` (aware) in the local ``zone``.

    Day arithmetic is on local wall-clock time, so a day is a calendar day even across a
    DST change; a wall time that does not exist that day (spring forward) lands just after
    the gap. The result is always strictly later than ``now``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(zone)
    wall = local.replace(tzinfo=None)
    if command.kind is Kind.HOURS:
        return now.astimezone(UTC) + timedelta(hours=command.count)
    if command.kind is Kind.DAYS:
        target = _local(wall + timedelta(days=command.count), zone)
    elif command.kind is Kind.TOMORROW:
        day = wall + timedelta(days=1)
        if command.at is not None:
            day = datetime.combine(day.date(), command.at)
        target = _local(day, zone)
    elif command.kind is Kind.AT:
        assert command.at is not None
        target = _local(datetime.combine(wall.date(), command.at), zone)
        if target <= now:
            target = _local(datetime.combine(wall.date() + timedelta(days=1), command.at), zone)
    else:
        raise ValueError(f"{command.kind} is not a jump")
    if target <= now:  # only possible around a DST fold; never go backwards
        target = now.astimezone(UTC) + timedelta(minutes=1)
    return target


def describe(instant: datetime, zone: ZoneInfo) -> str:
    """The simulated local time as the terminal shows it, e.g. ``Tue 14 May 2024, 07:30``."""
    local = instant.astimezone(zone)
    return f"{local:%a %d %b %Y, %H:%M} ({zone.key})"


NextDue = Callable[[datetime], Awaitable[datetime | None]]
"""Earliest scheduled instant strictly after the given one, or None when nothing is due."""


async def walk(
    target: datetime,
    *,
    now: Callable[[], datetime],
    set_time: Callable[[datetime], object],
    tick: Callable[[], Awaitable[object]],
    next_due: NextDue | None = None,
    settle: Callable[[], Awaitable[object]] | None = None,
) -> int:
    """Move the clock to ``target`` through every due instant on the way; return the ticks.

    At each instant the scheduler is ticked once (and ``settle`` awaited, e.g. to let the
    messages just sent reach the terminal) before moving on, so check-ins appear in the
    order they fall due. Without ``next_due`` the walk steps every 15 minutes. The walk is
    bounded by :data:`MAX_STEPS`.
    """
    ticks = 0
    current = now()
    while ticks < MAX_STEPS:
        if next_due is not None:
            upcoming = await next_due(current)
            if upcoming is not None and upcoming <= current:
                upcoming = current + timedelta(minutes=1)
        else:
            upcoming = current + FALLBACK_STEP
        if upcoming is None or upcoming >= target:
            break
        set_time(upcoming)
        current = upcoming
        await tick()
        ticks += 1
        if settle is not None:
            await settle()
    set_time(target)
    await tick()
    if settle is not None:
        await settle()
    return ticks + 1
