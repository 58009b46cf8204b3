"""Cross-file checks of a loaded library: `validate_library(library) -> list[str]`.

Per-entry checks live in the schema; here are the ones that need more than one file or the
engine's vocabularies: source keys exist, plan exercise ids exist, snippet topics exist,
questionnaires map onto known fields with valid option values, and every action, reason,
red flag and checklist check the engine can emit has its text. Checks that need a part
that was not loaded (see `load_library(parts=...)`) are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from pydantic import BaseModel

from flows.checkin import CHECKIN_FIELDS, SessionResult
from flows.injury import SITE_ALIASES, Grade, Severity, Site
from flows.library.plurals import categories
from flows.library.schema import TOPICS, FlagList, Int, Num, SiteClass
from flows.phases import MAIN_LINE, Phase
from flows.profile import PROFILE_TARGETS, Periods, WeightBearing
from flows.reasons import Action, Reason, RedFlag

if TYPE_CHECKING:
    from flows.library.loader import Library

#: Option values a choice question must draw from, by its `maps_to`.
_ENUM_TARGETS: dict[str, set[str]] = {
    "profile.site": {s.value for s in Site} | set(SITE_ALIASES),
    "profile.grade": {g.value for g in Grade},
    "profile.weight_bearing": {w.value for w in WeightBearing},
    "profile.reds_periods": {p.value for p in Periods},
    "session": {s.value for s in SessionResult},
}

#: Message keys of safety.yaml the engine uses besides `red_flag.<code>` and
#: `safety_line.<phase>`.
SAFETY_KEYS = (
    "escalation.urgent",
    "escalation.red_flag",
    "escalation.review",
    "escalation.reds",
    "support.offer",
    "disclaimer",
)


def _thresholds(model: BaseModel, path: str) -> list[tuple[str, str]]:
    """(path, source key) of every threshold in a protocol model, recursively."""
    found: list[tuple[str, str]] = []
    if isinstance(model, Num | Int | FlagList):
        return [(path, model.source)]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value.items() if isinstance(value, dict) else [(name, value)]
        for key, item in items:
            sub = f"{path}.{key}" if isinstance(value, dict) else f"{path}.{name}"
            if isinstance(item, BaseModel):
                found += _thresholds(item, sub.lstrip("."))
    return found


def validate_library(library: Library, root_name: str = "content") -> list[str]:
    """Every cross-file problem, as `file: entry: problem` lines (empty when all is well)."""
    lang = library.language
    where = {
        "protocol": f"{root_name}/protocol.yaml",
        **{
            part: f"{root_name}/{lang}/{part}.yaml"
            for part in (
                "questionnaires",
                "decisions",
                "safety",
                "checklist",
                "plans",
                "exercises",
                "crosstraining",
                "education",
                "bot",
                "coach",
            )
        },
    }
    problems: list[str] = []
    sources = set(library.sources.sources)

    def need_source(file: str, entry: str, key: str | None) -> None:
        if key is not None and key not in sources:
            problems.append(f"{file}: {entry}: source {key!r} is not in sources.yaml")

    # protocol: every threshold has a known source; tables cover the phases.
    proto = library.protocol
    for path, key in _thresholds(proto, ""):
        need_source(where["protocol"], path, key)
    for i, cal in enumerate(proto.calibration):
        for part in ("run_restart", "full_return"):
            window = getattr(cal, part)
            need_source(where["protocol"], f"calibration[{i}] ({cal.label}).{part}", window.source)
    if proto.calibration:
        for site_class in SiteClass:
            for sev in Severity:
                if proto.window(site_class, sev) is None:
                    problems.append(
                        f"{where['protocol']}: calibration: no window for {site_class} / {sev}"
                    )
    for phase in MAIN_LINE[:-1]:
        if phase not in proto.dwell:
            problems.append(f"{where['protocol']}: dwell: no entry for phase {phase}")
    for phase in MAIN_LINE:
        if phase not in proto.stages:
            problems.append(f"{where['protocol']}: stages: no entry for phase {phase}")

    # plans: every main phase has stages; sources and exercise ids exist.
    for phase in MAIN_LINE:
        if phase not in library.plans.phases:
            problems.append(f"{where['plans']}: phases: no plan for phase {phase}")
    for phase, plan in library.plans.phases.items():
        if phase in (Phase.HOLD, Phase.PAUSED):
            continue
        for stage in plan.stages:
            entry = f"phases.{phase}.stages[{stage.stage - 1}] ({stage.title})"
            need_source(where["plans"], entry, stage.source)
            if "exercises" in library.loaded:
                for ex_id in stage.exercises:
                    ex = library.exercise_by_id.get(ex_id)
                    if ex is None:
                        problems.append(
                            f"{where['plans']}: {entry}: exercise {ex_id!r} is not in "
                            "exercises.yaml"
                        )

    # questionnaires: maps_to targets and option values.
    for name, questionnaire in library.questionnaires.questionnaires.items():
        for i, q in enumerate(questionnaire.questions):
            entry = f"questionnaires.{name}.questions[{i}] (id={q.id})"
            target = q.maps_to
            if target is not None:
                known = (
                    target.removeprefix("profile.") in PROFILE_TARGETS
                    if target.startswith("profile.")
                    else target in CHECKIN_FIELDS
                )
                if not known:
                    problems.append(
                        f"{where['questionnaires']}: {entry}: maps_to {target!r} is not a "
                        "check-in field or profile target"
                    )
            allowed = _ENUM_TARGETS.get(target or "")
            if allowed is not None:
                extra = {o.value for o in q.options} - allowed - {"other"}
                if extra:
                    problems.append(
                        f"{where['questionnaires']}: {entry}: option values {sorted(extra)} "
                        f"are not valid for {target}"
                    )

    # plural phrases: one per plural category of the language (CLDR, through Babel).
    needed = categories(lang)
    for part in ("decisions", "safety", "bot", "coach", "readings"):
        messages = getattr(library, part).messages
        for key, message in messages.items():
            for name, forms in message.plurals.items():
                missing = needed - set(forms)
                if missing:
                    problems.append(
                        f"{root_name}/{lang}/{part}.yaml: {key}: plurals.{name}: no form for "
                        f"{sorted(missing)} (the plural categories of {lang!r})"
                    )

    # readings: synonyms name real options; aliases name real zones; refusals exist.
    problems += _readings_problems(library, f"{root_name}/{lang}/readings.yaml")

    # decisions and safety texts for every engine code.
    decisions = library.decisions.messages
    for action in Action:
        if f"action.{action}" not in decisions:
            problems.append(f"{where['decisions']}: messages: no text for action.{action}")
    for reason in Reason:
        if f"reason.{reason}" not in decisions:
            problems.append(f"{where['decisions']}: messages: no text for reason.{reason}")
    safety = library.safety.messages
    for flag in RedFlag:
        if f"red_flag.{flag}" not in safety:
            problems.append(f"{where['safety']}: messages: no text for red_flag.{flag}")
    for phase in Phase:
        if f"safety_line.{phase}" not in safety:
            problems.append(f"{where['safety']}: messages: no text for safety_line.{phase}")
    for key in SAFETY_KEYS:
        if key not in safety:
            problems.append(f"{where['safety']}: messages: no text for {key}")
    for part in ("decisions", "safety", "bot", "coach"):
        if part not in library.loaded:
            continue
        for key, message in getattr(library, part).messages.items():
            need_source(where[part], f"messages.{key}", message.source)

    # checklist checks exist in the engine.
    from flows.rules.readiness import CHECKS  # late: rules import the library types

    for i, item in enumerate(library.checklist.items):
        entry = f"items[{i}] (id={item.id})"
        need_source(where["checklist"], entry, item.source)
        if item.check not in CHECKS:
            problems.append(f"{where['checklist']}: {entry}: unknown check {item.check!r}")

    # exercises, cross-training, education.
    if "exercises" in library.loaded:
        ids = [e.id for e in library.exercises.exercises]
        for i, ex in enumerate(library.exercises.exercises):
            need_source(where["exercises"], f"exercises[{i}] (id={ex.id})", ex.source)
            if ids.count(ex.id) > 1:
                problems.append(f"{where['exercises']}: exercises[{i}]: duplicate id {ex.id}")
    if "crosstraining" in library.loaded:
        for i, mod in enumerate(library.crosstraining.modalities):
            need_source(where["crosstraining"], f"modalities[{i}] (id={mod.id})", mod.source)
    if "education" in library.loaded:
        edu = library.education
        for topic in edu.topics:
            if topic not in TOPICS:
                problems.append(f"{where['education']}: topics: unknown topic {topic!r}")
        ids = [s.id for s in edu.snippets]
        for i, snip in enumerate(edu.snippets):
            entry = f"snippets[{i}] (id={snip.id})"
            need_source(where["education"], entry, snip.source)
            if snip.topic not in edu.topics:
                problems.append(
                    f"{where['education']}: {entry}: topic {snip.topic!r} is not "
                    "listed under topics"
                )
            if ids.count(snip.id) > 1:
                problems.append(f"{where['education']}: {entry}: duplicate id")
    return problems


#: Messages of readings.yaml the reader uses.
READING_KEYS = (
    "refusal.choice",
    "refusal.ambiguous",
    "refusal.or",
    "refusal.unicode_digits",
    "refusal.yes_no",
    "refusal.yes_no_plain",
    "refusal.days",
    "refusal.distance",
    "refusal.percent",
    "refusal.zone",
    "refusal.zone_ambiguous",
    "refusal.time",
    "refusal.morning_window",
    "refusal.evening_window",
    "refusal.order",
)


def _readings_problems(library: Library, file: str) -> list[str]:
    readings = library.readings
    problems: list[str] = []
    options: dict[str, set[str]] = {}
    for questionnaire in library.questionnaires.questionnaires.values():
        for q in questionnaire.questions:
            if q.options:
                options.setdefault(q.id, set()).update(o.value for o in q.options)
    for table_name, table in (("choices", readings.choices), ("ambiguous", readings.ambiguous)):
        for qid, entries in table.items():
            if qid not in options:
                problems.append(f"{file}: {table_name}.{qid}: no choice question has this id")
                continue
            for key, values in entries.items():
                named = {key} if table_name == "choices" else set(values)
                unknown = named - options[qid]
                if unknown:
                    problems.append(
                        f"{file}: {table_name}.{qid}.{key}: {sorted(unknown)} are not options"
                    )
    ids = {q.id for form in library.questionnaires.questionnaires.values() for q in form.questions}
    for table_name, qids in (
        ("explicit_questions", readings.explicit_questions),
        ("quality_scales", readings.quality_scales),
        ("pm_questions", readings.pm_questions),
        ("open_choices", list(readings.open_choices)),
    ):
        for qid in sorted(set(qids) - ids):
            problems.append(f"{file}: {table_name}: no question has the id {qid!r}")
    known_topics = set(library.education.topics) if "education" in library.loaded else None
    for topic in sorted(set(readings.topic_words) - (known_topics or set(readings.topic_words))):
        problems.append(f"{file}: topic_words.{topic}: not a topic of education.yaml")
    zones = available_timezones()
    for name, zone in {**readings.zone_aliases, **readings.zone_offsets}.items():
        if zone not in zones:
            problems.append(f"{file}: zone {name!r}: {zone!r} is not a tzdata zone")
    for key in READING_KEYS:
        if key not in readings.messages:
            problems.append(f"{file}: messages: no text for {key}")
    return problems
