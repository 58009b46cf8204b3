"""The words a chart draws, gathered from content/ (every ``chart.*`` message)."""

from __future__ import annotations

import html

from bot.charts.model import ChartWords
from bot.rendering.plans import phase_label
from bot.rendering.texts import Texts
from flows.phases import Phase

PREFIX = "chart."


def chart_words(texts: Texts) -> ChartWords:
    """Every ``chart.*`` text (prefix dropped; the image is not HTML, so entities are
    decoded) and every phase's name."""
    words = {
        key.removeprefix(PREFIX): html.unescape(texts.raw(key))
        for key in texts.names()
        if key.startswith(PREFIX)
    }
    phases = {phase.value: html.unescape(phase_label(texts, phase)) for phase in Phase}
    return ChartWords(words=words, phases=phases)
