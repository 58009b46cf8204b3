"""The real `content/` loads, is big enough, and every cross-reference resolves.

Two layers: `flows.library.load_library` + `validate_library` (the engine's schema), and
independent checks on the raw YAML so a gap in the schema does not hide a broken
reference (phase and site names, source keys, plan exercise ids, topics).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from contentlib import CONTENT_DIR, load_yaml, yaml_files

from flows.injury import Site
from flows.library import Library, load_library, validate_library
from flows.library.loader import ALL_PARTS, ENGINE_PARTS
from flows.library.schema import SNIPPET_LIMIT, TOPICS
from flows.phases import Phase

LANG_DIR = CONTENT_DIR / "en"
CATALOGUE_PARTS = ENGINE_PARTS | {"exercises", "crosstraining", "education"}
PHASES = {p.value for p in Phase}
SITES = {s.value for s in Site}
#: Phases in which anything with a flight phase may appear (FACTS §2.4: P3 and later).
IMPACT_PHASES = {"impact_prep", "walk_run", "run_build", "return_to_sport", "maintenance"}
#: Exercise categories that keep the lower limb unloaded enough for `hold`.
HOLD_SAFE_CATEGORIES = {"upper_body", "core", "mobility", "isometric"}


@pytest.fixture(scope="module")
def full_library() -> Library:
    """The complete library, exactly as the bot loads it."""
    return load_library(CONTENT_DIR, language="en")


@pytest.fixture(scope="module")
def library() -> Library:
    """The engine parts plus the catalogue (exercises, cross-training, education).

    The catalogue checks below do not need the bot's and coaches' messages, so they keep
    working (and keep their failures specific) while those files are being edited; the
    complete load is asserted by the first two tests."""
    return load_library(CONTENT_DIR, language="en", parts=CATALOGUE_PARTS)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """Every YAML file of the English library and the shared ones, by file stem."""
    data = {p.stem: load_yaml(p) for p in sorted(LANG_DIR.glob("*.yaml"))}
    for p in sorted(CONTENT_DIR.glob("*.yaml")):
        data[p.stem] = load_yaml(p)
    return data


# ------------------------------------------------------------------------- loading and size


def test_library_loads_and_validates_clean(full_library: Library) -> None:
    assert full_library.loaded == ALL_PARTS
    assert validate_library(full_library) == []


def test_catalogue_validates_clean(library: Library) -> None:
    assert validate_library(library) == []


def test_every_content_file_is_loaded() -> None:
    """No YAML file sits in content/en that the loader does not read."""
    from flows.library.schema import FILES

    expected = {pattern.format(lang="en") for pattern, _ in FILES.values()}
    present = {str(p.relative_to(CONTENT_DIR)) for p in yaml_files()}
    assert present - expected == set(), "YAML files the loader ignores"
    assert expected - present == set(), "files the loader expects but that are missing"


def test_library_sizes(library: Library) -> None:
    assert len(library.exercises.exercises) >= 40
    assert len(library.crosstraining.modalities) >= 8
    assert len(library.education.snippets) >= 60


def test_snippets_within_limit(library: Library) -> None:
    too_long = {s.id: len(s.text) for s in library.education.snippets if len(s.text) > 700}
    assert SNIPPET_LIMIT == 700
    assert too_long == {}


def test_every_topic_is_labelled_and_used(library: Library) -> None:
    edu = library.education
    assert set(edu.topics) == set(TOPICS)
    used = Counter(s.topic for s in edu.snippets)
    unused = [t for t in TOPICS if used[t] == 0]
    assert unused == []
    assert all(label.strip() for label in edu.topics.values())


def test_every_exercise_category_is_used(library: Library) -> None:
    from flows.library.schema import ExerciseCategory

    used = {e.category for e in library.exercises.exercises}
    assert set(ExerciseCategory) - used == set()


def test_ids_are_unique_across_the_library(library: Library) -> None:
    ids = [e.id for e in library.exercises.exercises]
    ids += [m.id for m in library.crosstraining.modalities]
    ids += [s.id for s in library.education.snippets]
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    assert dupes == []


# ------------------------------------------------------------------------- references (raw)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) for every mapping entry under `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            yield sub, str(key), value
            yield from _walk(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def test_every_source_key_resolves(raw: dict[str, Any]) -> None:
    sources = set(raw["sources"]["sources"])
    bad = [
        f"{stem}: {path} = {value!r}"
        for stem, data in raw.items()
        if stem != "sources"
        for path, key, value in _walk(data)
        if key == "source" and value is not None and value not in sources
    ]
    assert bad == []


def test_every_snippet_states_a_known_source_or_none(raw: dict[str, Any]) -> None:
    sources = set(raw["sources"]["sources"])
    bad = [
        s["id"]
        for s in raw["education"]["snippets"]
        if s.get("source", None) not in sources | {None}
    ]
    assert bad == []


def test_most_snippets_carry_a_source(raw: dict[str, Any]) -> None:
    """Facts need sources; a few snippets are pure how-to advice (breathing, habits)."""
    snippets = raw["education"]["snippets"]
    with_source = sum(1 for s in snippets if s.get("source"))
    assert with_source / len(snippets) >= 0.75


def test_phase_and_site_names_resolve(raw: dict[str, Any]) -> None:
    bad: list[str] = []
    for stem, data in raw.items():
        for path, key, value in _walk(data):
            if key == "phases" and isinstance(value, list):
                bad += [f"{stem}: {path}: {v!r}" for v in value if v not in PHASES | {"all"}]
            if key in {"avoid_sites", "excluded_sites", "caution_sites"}:
                bad += [f"{stem}: {path}: {v!r}" for v in value if v not in SITES]
    assert bad == []


def test_plan_exercises_exist(raw: dict[str, Any]) -> None:
    known = {e["id"] for e in raw["exercises"]["exercises"]}
    missing = [
        f"{phase} stage {stage['stage']}: {ex}"
        for phase, plan in raw["plans"]["phases"].items()
        for stage in plan["stages"]
        for ex in stage.get("exercises", [])
        if ex not in known
    ]
    assert missing == []


def test_plan_exercises_are_safe_in_their_phase(raw: dict[str, Any]) -> None:
    """A plan never prescribes an exercise outside the phases the exercise allows."""
    by_id = {e["id"]: e for e in raw["exercises"]["exercises"]}
    wrong = [
        f"{phase} stage {stage['stage']}: {ex} (allowed in {by_id[ex]['phases']})"
        for phase, plan in raw["plans"]["phases"].items()
        for stage in plan["stages"]
        for ex in stage.get("exercises", [])
        if ex in by_id and phase not in by_id[ex]["phases"]
    ]
    assert wrong == []


def test_snippet_topics_resolve(raw: dict[str, Any]) -> None:
    topics = set(raw["education"]["topics"])
    assert [s["id"] for s in raw["education"]["snippets"] if s["topic"] not in topics] == []


# ------------------------------------------------------------------------- safety of the catalogue


def test_plyometrics_only_from_impact_prep(library: Library) -> None:
    early = [
        e.id
        for e in library.exercises.exercises
        if e.category == "plyometric" and not set(e.phases) <= IMPACT_PHASES
    ]
    assert early == []


def test_protect_phase_has_no_standing_calf_work(library: Library) -> None:
    standing = [
        e.id
        for e in library.exercises.exercises
        if "protect" in e.phases and e.category in {"closed_chain", "balance", "plyometric"}
    ]
    assert standing == []
    heel = {e.id: e for e in library.exercises.exercises}
    for ex_id in ("standing-calf-raise", "single-leg-heel-raise"):
        assert "protect" not in heel[ex_id].phases


def test_early_hip_loading_spares_hip_and_pelvic_sites(library: Library) -> None:
    """Closed-chain and hip work offered as early as walk_strength avoids the trabecular
    hip and pelvic sites unless it keeps the lower limb unloaded (FACTS §1.1)."""
    hip_sites = {Site.FEMORAL_NECK, Site.PELVIS, Site.SACRUM}
    loaded_early = [
        e
        for e in library.exercises.exercises
        if e.category == "closed_chain"
        and set(e.phases) & {Phase.PROTECT, Phase.WALK_STRENGTH}
        and e.id != "sit-to-stand"  # an everyday movement; protect exit means it is pain-free
    ]
    assert loaded_early, "expected some early closed-chain work"
    bad = [e.id for e in loaded_early if not hip_sites <= set(e.avoid_sites)]
    assert bad == []


def test_hold_only_offers_unloaded_work(library: Library) -> None:
    bad = [
        e.id
        for e in library.exercises.exercises
        if Phase.HOLD in e.phases and e.category not in HOLD_SAFE_CATEGORIES
    ]
    assert bad == []


def test_every_site_has_exercises_in_protect(library: Library) -> None:
    for site in Site:
        usable = [
            e.id
            for e in library.exercises.exercises
            if Phase.PROTECT in e.phases and site not in e.avoid_sites
        ]
        assert len(usable) >= 10, site


def test_cross_training_ranks_and_phases(library: Library) -> None:
    mods = library.crosstraining.modalities
    assert {m.bone_load_rank for m in mods} >= {1, 2, 3, 4, 5}
    for m in mods:
        assert not set(m.excluded_sites) & set(m.caution_sites), m.id
        if m.bone_load_rank >= 3:
            assert Phase.PROTECT not in m.phases, m.id
        if m.caution_sites:
            assert m.caution, m.id
    # Every site keeps at least two options in protect (FACTS §8: rank 1 suits all sites).
    for site in Site:
        options = [m.id for m in mods if Phase.PROTECT in m.phases and site not in m.excluded_sites]
        assert len(options) >= 2, site


def test_every_plan_stage_keeps_exercises_for_every_site(raw: dict[str, Any]) -> None:
    """The engine drops exercises whose avoid_sites include the athlete's site; no stage may
    be left with nothing for any site."""
    by_id = {e["id"]: e for e in raw["exercises"]["exercises"]}
    empty = [
        f"{phase} stage {stage['stage']}: nothing left for {site}"
        for phase, plan in raw["plans"]["phases"].items()
        for stage in plan["stages"]
        if stage.get("exercises")
        for site in sorted(SITES)
        if not [
            ex
            for ex in stage["exercises"]
            if ex in by_id and site not in by_id[ex].get("avoid_sites", [])
        ]
    ]
    assert empty == []


def test_worst_case_daily_plan_fits_one_message(raw: dict[str, Any]) -> None:
    """A daily plan message (bot/rendering/plans.py) joins a session, up to three
    cross-training options with their caution texts, one snippet and a safety line. Built
    from the longest pieces of each kind it must still fit Telegram's 4096 characters."""
    max_options = 3  # at least crosstraining.yaml allowance.per_day
    by_id = {e["id"]: e for e in raw["exercises"]["exercises"]}
    options = sorted(
        (
            len(m["name"]) + len(m["intensity"]) + len(m.get("caution") or "") + 40
            for m in raw["crosstraining"]["modalities"]
        ),
        reverse=True,
    )[:max_options]
    sessions = [
        len(stage["title"])
        + len(stage["activity"]["intensity"])
        + sum(len(by_id[x]["name"]) + len(by_id[x]["dose"]) + 10 for x in stage["exercises"])
        + sum(len(rule) + 4 for rule in plan["stop_rules"])
        for plan in raw["plans"]["phases"].values()
        for stage in plan["stages"]
    ]
    snippet = max(len(s["title"]) + len(s["text"]) for s in raw["education"]["snippets"])
    safety = max(
        len(text)
        for k, m in raw["safety"]["messages"].items()
        if k.startswith("safety_line.")
        for text in [m["text"], *m.get("variants", [])]
    )
    overhead = 400  # headers, labels, blank lines
    total = sum(options) + max(sessions) + snippet + safety + overhead
    assert total <= 4096, f"worst-case daily plan is about {total} characters"
