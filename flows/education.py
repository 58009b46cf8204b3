"""Choosing the day's education snippet: relevant first, never repeated too soon.

Relevance: a recent step back -> pain education; high fear -> confidence; short or poor
sleep -> sleep; low readiness -> the return-to-sport checklist. Otherwise the snippets that
fit the phase are offered in file order. A snippet is not repeated until every snippet of
its topic that fits the phase has been shown (the topic's pool is used up).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence

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


#: How close a near miss must be to a topic's name or word (difflib ratio).
NEAR_MISS = 0.8


def match_topic(
    topics: Mapping[str, str], words: Mapping[str, Sequence[str]], text: str
) -> str | None:
    """The /learn topic `text` names: a topic id ("nutrition"), its label ("Food and
    fuel"), one of its `words` ("bone health"), or a near miss of any of them ("nutrtion");
    None when nothing is close enough or two topics are equally close."""
    wanted = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    if not wanted:
        return None
    names: dict[str, set[str]] = {}
    for topic, label in topics.items():
        names.setdefault(topic, set()).update({topic.replace("_", " "), label.lower()})
    for topic, extra in words.items():
        if topic in names:
            names[topic].update(" ".join(w.lower().replace("-", " ").split()) for w in extra)
    exact = [topic for topic, known in names.items() if wanted in known]
    if len(exact) == 1:
        return exact[0]
    best: tuple[float, str | None] = (NEAR_MISS, None)
    tied = False
    for topic, known in names.items():
        score = max(difflib.SequenceMatcher(None, wanted, name).ratio() for name in known)
        if score > best[0]:
            best, tied = (score, topic), False
        elif score == best[0] and best[1] is not None and topic != best[1]:
            tied = True
    return None if tied else best[1]
