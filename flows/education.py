"""Choosing the day's education snippet: relevant first, never repeated too soon.

Relevance: a recent step back -> pain education; high fear -> confidence; short or poor
sleep -> sleep; low readiness -> the return-to-sport checklist. Otherwise the snippets that
fit the phase are offered in file order. A snippet is not repeated until every snippet of
its topic that fits the phase has been shown (the topic's pool is used up).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from flows.library.schema import Snippet
from flows.phases import Phase


def pick_snippet(
    snippets: Sequence[Snippet],
    phase: Phase,
    topics: Sequence[str],
    recent_ids: Collection[str],
) -> Snippet | None:
    """The first unseen snippet of the first relevant topic that has one; then any unseen
    snippet for the phase; when the pool of the preferred topic is used up, its first
    snippet again. None when no snippet fits the phase."""
    fitting = [s for s in snippets if s.fits(phase)]
    if not fitting:
        return None
    for topic in topics:
        pool = [s for s in fitting if s.topic == topic]
        unseen = [s for s in pool if s.id not in recent_ids]
        if unseen:
            return unseen[0]
    unseen = [s for s in fitting if s.id not in recent_ids]
    if unseen:
        return unseen[0]
    for topic in topics:
        pool = [s for s in fitting if s.topic == topic]
        if pool:
            return pool[0]
    return fitting[0]
