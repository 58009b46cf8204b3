"""Readability of the content library: Flesch Reading Ease and Flesch-Kincaid grade.

Usage: ``python bench/readability.py [content/en]``

Prints, per YAML file and overall, the number of prose strings, words, sentences and
syllables, the Flesch Reading Ease (FRE; higher is easier, 60-70 is plain English) and the
Flesch-Kincaid grade level (FKGL; a US school grade). It is a benchmark that prints figures,
not a test: nothing here asserts.

What counts as prose: every string value of a file that has at least four words after HTML
tags, entities and ``{placeholders}`` are removed. Identifiers (ids, phase names, source
keys) and single-word labels drop out by that rule. A string that does not end with
sentence punctuation counts as one sentence (titles, doses, button labels).

Formulas (Flesch 1948; Kincaid et al. 1975):
    FRE  = 206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)
    FKGL = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59

The syllable counter is a rule-of-thumb vowel-group counter written here (no dependency):
it counts groups of vowels (y counts as a vowel after the first letter), drops a silent
final "e", keeps a final consonant + "le" as a syllable, and treats "-ed" after a letter
other than t/d as silent. Numbers count as one syllable per digit group. It is right for
most everyday English words and errs by one on some; the figures are comparable between
runs and files, which is what they are for.
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "content" / "en"

_TAG = re.compile(r"<[^>]*>")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*|\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|:\s*\n|\n\s*\n")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")

#: Words the rules get wrong often enough in this library to be worth fixing by hand.
_EXCEPTIONS = {
    "every": 2,
    "everyone": 3,
    "everything": 3,
    "evening": 2,
    "business": 2,
    "different": 3,
    "interest": 3,
    "favourite": 3,
    "area": 3,
    "idea": 3,
    "real": 1,
    "being": 2,
    "doing": 2,
    "going": 2,
    "science": 2,
    "quiet": 2,
    "diet": 2,
    "fuel": 2,
    "create": 2,
    "creates": 2,
    "toe": 1,
    "toes": 1,
    "shoe": 1,
    "shoes": 1,
    "one": 1,
    "once": 1,
    "eye": 1,
    "eyes": 1,
    "people": 2,
    "vitamin": 3,
    "physio": 3,
    "cortisol": 3,
    "remodel": 3,
    "remodelling": 4,
    "calcium": 3,
    "somewhat": 2,
    "someone": 2,
    "something": 2,
    "sometimes": 2,
}

#: Suffixes that add one syllable to their stem and hide a silent e ("safely", "movement").
_SUFFIXES = ("ment", "ness", "less", "ful", "ly")


def syllables(word: str) -> int:
    """Estimated syllables of one English word (at least 1)."""
    w = word.lower().replace("\u2019", "'").split("'")[0]
    if not w:
        return 1
    if w.isdigit() or w[0].isdigit():
        return max(1, len(re.findall(r"\d+", w)))
    if w in _EXCEPTIONS:
        return _EXCEPTIONS[w]
    if len(w) <= 3:
        return 1
    for suffix in _SUFFIXES:  # "safely" = "safe" + "ly", "movement" = "move" + "ment"
        stem = w[: -len(suffix)]
        if w.endswith(suffix) and len(stem) >= 3 and stem[-1] not in "aeiouy" + suffix[0]:
            return syllables(stem) + 1
        if w.endswith(suffix) and len(stem) >= 3 and stem.endswith("e"):
            return syllables(stem) + 1
    # y is a consonant at the start of a word ("yes", "you").
    core = ("_" + w[1:]) if w[0] == "y" else w
    count = len(_VOWEL_GROUP.findall(core))
    count += len(re.findall(r"[^tscx]io", core))  # "period", "biology": i-o is two syllables
    consonant_le = w.endswith("le") and w[-3] not in "aeiouy"
    if w.endswith("e") and not consonant_le and not w.endswith(("ee", "ye")) and count > 1:
        count -= 1  # silent final e: "bone", "stride" (but "simple", "ankle" keep theirs)
    elif (
        w.endswith("es")
        and w[-3] not in "sxzcghaeiouy"
        and not (w.endswith("les") and w[-4] not in "aeiouy")
        and count > 1
    ):
        count -= 1  # "bones", "lines" (but "horses", "changes", "applies", "handles" keep theirs)
    elif w.endswith("ed") and w[-3] not in "td" and count > 1:
        count -= 1  # "walked", "tired" (but "needed", "started" keep theirs)
    return max(1, count)


@dataclass
class Tally:
    strings: int = 0
    words: int = 0
    sentences: int = 0
    syllables: int = 0

    def add(self, other: Tally) -> None:
        self.strings += other.strings
        self.words += other.words
        self.sentences += other.sentences
        self.syllables += other.syllables

    @property
    def fre(self) -> float:
        if not self.words:
            return 0.0
        return (
            206.835 - 1.015 * (self.words / self.sentences) - 84.6 * (self.syllables / self.words)
        )

    @property
    def fkgl(self) -> float:
        if not self.words:
            return 0.0
        return 0.39 * (self.words / self.sentences) + 11.8 * (self.syllables / self.words) - 15.59


def clean(text: str) -> str:
    """Plain prose: tags and placeholders removed, entities decoded."""
    return html.unescape(_PLACEHOLDER.sub(" ", _TAG.sub(" ", text)))


def tally_text(text: str) -> Tally:
    prose = clean(text)
    found = _WORD.findall(prose)
    if len(found) < 4:
        return Tally()
    pieces = [p for p in _SENTENCE_END.split(prose) if _WORD.search(p)]
    return Tally(
        strings=1,
        words=len(found),
        sentences=max(1, len(pieces)),
        syllables=sum(syllables(w) for w in found),
    )


def strings_of(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in {"id", "params", "source", "topic", "category"}:
                continue  # identifiers, not prose
            if key == "phases" and isinstance(value, list):
                continue  # phase names (plans.yaml's top-level `phases:` is a mapping)
            yield from strings_of(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_of(value)


def tally_file(path: Path) -> Tally:
    total = Tally()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for text in strings_of(data):
        total.add(tally_text(text))
    return total


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DEFAULT_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        print(f"no YAML files in {folder}")
        return 1
    header = f"{'file':<22}{'strings':>8}{'words':>8}{'sent.':>7}{'w/sent':>8}{'syl/w':>7}"
    header += f"{'FRE':>7}{'FKGL':>7}"
    print(header)
    print("-" * len(header))
    overall = Tally()
    for path in files:
        t = tally_file(path)
        overall.add(t)
        if not t.words:
            continue
        print(
            f"{path.name:<22}{t.strings:>8}{t.words:>8}{t.sentences:>7}"
            f"{t.words / t.sentences:>8.1f}{t.syllables / t.words:>7.2f}{t.fre:>7.1f}{t.fkgl:>7.1f}"
        )
    print("-" * len(header))
    print(
        f"{'overall':<22}{overall.strings:>8}{overall.words:>8}{overall.sentences:>7}"
        f"{overall.words / overall.sentences:>8.1f}{overall.syllables / overall.words:>7.2f}"
        f"{overall.fre:>7.1f}{overall.fkgl:>7.1f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
