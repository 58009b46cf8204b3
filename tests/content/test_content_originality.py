"""Our own words: no content string shares a run of 8+ consecutive words with the seed brief.

Words are compared after normalising case, punctuation, HTML tags, entities and
placeholders (`contentlib.words`), so re-capitalising or re-punctuating a copied sentence
does not get it through. The checker itself is unit-tested with positive and negative cases
so this test can be seen to fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from contentlib import CONTENT_DIR, content_texts, reference_ngrams, shared_runs, words

RUN = 8  # docs/content-format.md, "Text rules"

SAMPLE_SOURCE = (
    "Bone adapts to the loads placed on it, slowly and only when given enough rest between "
    "sessions. Athletes often rush back, and the injury returns."
)


# ------------------------------------------------------------------------- the checker itself


def test_words_normalise_case_punctuation_html_and_placeholders() -> None:
    text = "<b>Bone</b> ADAPTS&amp;to {name} the loads\u2014placed, on it! Don\u2019t"
    assert words(text) == ["bone", "adapts", "to", "the", "loads", "placed", "on", "it", "dont"]


def test_checker_flags_a_copied_run() -> None:
    grams = reference_ngrams([SAMPLE_SOURCE], RUN)
    copied = "Remember: BONE adapts to the loads, placed on it -- slowly and only when you rest."
    runs = shared_runs(copied, grams, RUN)
    assert runs, "an 8-word copy (with case and punctuation changed) must be caught"
    assert runs[0] == "bone adapts to the loads placed on it"


def test_checker_flags_a_run_across_html_tags() -> None:
    grams = reference_ngrams([SAMPLE_SOURCE], RUN)
    copied = "Athletes <i>often rush back</i>, and the injury returns, sadly."
    assert shared_runs(copied, grams, RUN) == ["athletes often rush back and the injury returns"]


def test_checker_allows_seven_shared_words() -> None:
    grams = reference_ngrams([SAMPLE_SOURCE], RUN)
    own = "Bone adapts to the loads placed on you over weeks, not days."
    assert shared_runs(own, grams, RUN) == []


def test_checker_ignores_common_words_in_a_different_order() -> None:
    grams = reference_ngrams([SAMPLE_SOURCE], RUN)
    own = "Between sessions rest is enough when the loads on bone are given slowly."
    assert shared_runs(own, grams, RUN) == []


# ------------------------------------------------------------------------- the real content


def _seed_texts(shared_dir: Path) -> list[str]:
    seed_dir = shared_dir / "seed"
    files = sorted(seed_dir.glob("*.txt"))
    if not files:
        pytest.fail(f"no seed brief found in {seed_dir}")
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.mark.shared
def test_no_content_text_copies_the_seed(shared_dir: Path) -> None:
    grams = reference_ngrams(_seed_texts(shared_dir), RUN)
    assert grams, "the seed brief produced no word runs; is it empty?"
    texts = content_texts()
    assert len(texts) > 500, "expected to walk every string of every content file"
    copied = [
        f"{item.file.relative_to(CONTENT_DIR)}: {item.path}: \u201c{run}\u201d"
        for item in texts
        for run in shared_runs(item.text, grams, RUN)[:1]
    ]
    assert copied == [], "content shares 8-word runs with the seed brief:\n" + "\n".join(copied)


@pytest.mark.shared
def test_no_content_text_copies_the_fact_sheet(shared_dir: Path) -> None:
    """FACTS.md carries facts, not wording: the same rule applies to it."""
    facts = shared_dir / "clinical" / "FACTS.md"
    if not facts.is_file():
        pytest.fail(f"{facts} is missing")
    grams = reference_ngrams([facts.read_text(encoding="utf-8")], RUN)
    copied = [
        f"{item.file.relative_to(CONTENT_DIR)}: {item.path}: \u201c{run}\u201d"
        for item in content_texts()
        # sources.yaml cites FACTS on purpose; citations are not prose.
        if item.file.name != "sources.yaml"
        for run in shared_runs(item.text, grams, RUN)[:1]
    ]
    assert copied == [], "content shares 8-word runs with FACTS.md:\n" + "\n".join(copied)
