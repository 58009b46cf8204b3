"""docs/content-coverage.md names only ids and messages that exist, and covers every theme."""

from __future__ import annotations

import re
from typing import Any

import pytest
from contentlib import CONTENT_DIR, DOCS_DIR, load_yaml

DOC = DOCS_DIR / "content-coverage.md"
LANG_DIR = CONTENT_DIR / "en"
_CODE = re.compile(r"`([^`]+)`")
MESSAGE_FILES = {"bot", "coach", "safety", "decisions"}


def _rows() -> list[tuple[str, list[str], list[str]]]:
    """(theme, snippet ids, other refs) for each data row of the coverage table."""
    rows: list[tuple[str, list[str], list[str]]] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].isdigit():
            continue
        rows.append((cells[1], _CODE.findall(cells[2]), _CODE.findall(cells[3])))
    return rows


def _exists(ref: str, data: dict[str, Any]) -> bool:
    kind, _, key = ref.partition(":")
    if kind in MESSAGE_FILES:
        return key in data[kind]["messages"]
    if kind == "checklist":
        return key in {i["id"] for i in data["checklist"]["items"]}
    if kind == "exercises":
        return key in {e["id"] for e in data["exercises"]["exercises"]}
    if kind == "crosstraining":
        return key in {m["id"] for m in data["crosstraining"]["modalities"]}
    if kind == "plans":
        return key in data["plans"]["phases"]
    if kind == "questionnaires":
        name, _, question = key.partition(".")
        questionnaire = data["questionnaires"]["questionnaires"].get(name)
        return questionnaire is not None and question in {
            q["id"] for q in questionnaire["questions"]
        }
    return False


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return {p.stem: load_yaml(p) for p in sorted(LANG_DIR.glob("*.yaml"))}


def test_table_parses() -> None:
    rows = _rows()
    assert len(rows) >= 20, "expected a row per seed theme"


def test_every_theme_names_a_snippet() -> None:
    assert [theme for theme, snippets, _ in _rows() if not snippets] == []


def test_every_snippet_id_in_the_doc_exists(data: dict[str, Any]) -> None:
    known = {s["id"] for s in data["education"]["snippets"]}
    named = {s for _, snippets, _ in _rows() for s in snippets}
    assert sorted(named - known) == []


def test_every_other_reference_in_the_doc_exists(data: dict[str, Any]) -> None:
    refs = sorted({r for _, _, others in _rows() for r in others})
    kinds = MESSAGE_FILES | {"checklist", "exercises", "crosstraining", "plans", "questionnaires"}
    assert [r for r in refs if r.partition(":")[0] not in kinds] == [], "unknown reference kind"
    # A reference into a file that is not written yet is not checked; the library test
    # fails on the missing file itself.
    unresolved = [r for r in refs if r.partition(":")[0] in data and not _exists(r, data)]
    assert unresolved == []


def test_most_snippets_are_mapped_to_a_theme(data: dict[str, Any]) -> None:
    """Snippets left out of the table are fine, but the table should reflect the library."""
    known = {s["id"] for s in data["education"]["snippets"]}
    named = {s for _, snippets, _ in _rows() for s in snippets}
    assert len(named & known) / len(known) >= 0.8


def test_checker_rejects_unknown_references(data: dict[str, Any]) -> None:
    assert not _exists("bot:no.such.key", data)
    assert not _exists("exercises:no-such-exercise", data)
    assert not _exists("questionnaires:morning.no_such_question", data)
    assert not _exists("nonsense:thing", data)
