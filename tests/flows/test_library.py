"""Schema, loader and cross-reference validation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from engine_helpers import CONTENT

from flows.library.loader import ALL_PARTS, ENGINE_PARTS, ContentError, load_library
from flows.library.schema import html_problems, placeholders

OTHERS = ALL_PARTS - ENGINE_PARTS


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def _edit(path: Path, change: object) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_engine_parts_load() -> None:
    lib = load_library(CONTENT, parts=ENGINE_PARTS)
    assert lib.protocol.pain.during_max.value == 2
    assert set(lib.questionnaires.questionnaires) >= {"onboarding", "morning", "evening", "weekly"}


def test_real_content_loads_completely() -> None:
    missing = [name for name in sorted(OTHERS) if not (CONTENT / "en" / f"{name}.yaml").is_file()]
    if missing:
        pytest.skip(f"files still being written by other engineers: {missing}")
    lib = load_library(CONTENT)
    assert lib.loaded == ALL_PARTS


def test_error_names_file_entry_and_problem(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    edu = root / "en" / "education.yaml"
    edu.write_text(
        yaml.safe_dump(
            {
                "topics": {"sleep": "Sleep"},
                "snippets": [
                    {
                        "id": "ok-one",
                        "topic": "sleep",
                        "title": "T",
                        "text": "Fine.",
                        "phases": ["all"],
                    },
                    {
                        "id": "sleep-basics",
                        "topic": "sleep",
                        "title": "T",
                        "text": "x" * 812,
                        "phases": ["all"],
                    },
                ],
            }
        )
    )
    with pytest.raises(ContentError) as err:
        load_library(root, parts=ENGINE_PARTS | {"education"})
    assert (
        "content/en/education.yaml: snippets[1] (id=sleep-basics): "
        "text is 812 characters, the limit is 700"
    ) in err.value.problems


def test_missing_file_is_named(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "en" / "plans.yaml").unlink()
    with pytest.raises(ContentError, match=r"content/en/plans.yaml: file is missing"):
        load_library(root, parts=ENGINE_PARTS)


def test_unknown_source_key_is_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "protocol.yaml", lambda d: d["pain"]["during_max"].update(source="no-such-source"))
    with pytest.raises(ContentError, match=r"pain.during_max: source 'no-such-source'"):
        load_library(root, parts=ENGINE_PARTS)


def test_plan_exercise_ids_must_exist(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "en" / "exercises.yaml").write_text(
        yaml.safe_dump(
            {
                "exercises": [
                    {
                        "id": "glute-bridge",
                        "name": "Glute bridge",
                        "category": "hip",
                        "cues": "Up.",
                        "dose": "3 x 10",
                        "phases": ["protect"],
                    }
                ]
            }
        )
    )
    with pytest.raises(ContentError) as err:
        load_library(root, parts=ENGINE_PARTS | {"exercises"})
    assert any("is not in exercises.yaml" in p for p in err.value.problems)


def test_option_values_are_short(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def lengthen(d: dict) -> None:  # type: ignore[type-arg]
        d["questionnaires"]["evening"]["questions"][0]["options"][0]["value"] = "x" * 21

    _edit(root / "en" / "questionnaires.yaml", lengthen)
    with pytest.raises(ContentError, match="at most 20 ASCII characters"):
        load_library(root, parts=ENGINE_PARTS)


def test_every_engine_code_needs_a_text(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    _edit(root / "en" / "decisions.yaml", lambda d: d["messages"].pop("reason.fear_high"))
    with pytest.raises(ContentError, match=r"no text for reason.fear_high"):
        load_library(root, parts=ENGINE_PARTS)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "en" / "safety.yaml").write_text("messages:\n  a: [unclosed\n")
    with pytest.raises(ContentError, match=r"safety.yaml: not valid YAML \(line"):
        load_library(root, parts=ENGINE_PARTS)


def test_html_and_placeholder_checks() -> None:
    assert html_problems("<b>ok</b> &amp; fine") == []
    assert html_problems("<div>x</div>")
    assert html_problems("a < b")
    assert html_problems("<b>open")
    assert placeholders("Hi {name}, {days} left") == {"name", "days"}
    with pytest.raises(ValueError, match="format spec"):
        placeholders("{n:>3}")
