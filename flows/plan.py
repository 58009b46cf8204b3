"""Today's plan: the graded session, cross-training, one education snippet, a safety line.

`plan_for_day` is pure: phase, stage, day and recent history in; a `DailyPlan` with
structured fields out (the bot renders it; `summary()` is a one-line text for the
simulator and logs).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from flows.checkin import DayRecord, SessionResult
from flows.education import pick_snippet
from flows.library.loader import Library, render_message
from flows.library.schema import ActivityKind, CrossTrainingFile, Modality, PhasePlan
from flows.phases import Phase
from flows.profile import AthleteProfile
from flows.recognition import CleanWeek, clean_week
from flows.state import GATE_HOLDS, RehabState
from flows.variety import athlete_seed, mix, pick


@dataclass(frozen=True, slots=True)
class ExerciseItem:
    id: str
    name: str
    dose: str
    cues: str


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """The graded activity of the day and its strength block. Dose fields by `kind`."""

    phase: Phase
    stage: int
    title: str
    kind: ActivityKind
    intensity: str
    minutes: int | None = None
    walk_minutes: int | None = None
    run_minutes: int | None = None
    repeats: int | None = None
    foot_contacts: int | None = None
    volume_fraction: float | None = None
    exercises: list[ExerciseItem] = field(default_factory=list)
    #: `volume_fraction` of the athlete's pre-injury weekly volume, when they gave it.
    weekly_km: float | None = None
    usual_weekly_km: float | None = None
    #: The same two in the athlete's own unit (`distance_unit`: "km", "mi").
    distance_unit: str = "km"
    weekly_distance: float | None = None
    usual_distance: float | None = None
    stop_rules: list[str] = field(default_factory=list)

    @property
    def total_minutes(self) -> int | None:
        if self.kind is ActivityKind.WALK_RUN and self.repeats:
            return ((self.walk_minutes or 0) + (self.run_minutes or 0)) * self.repeats
        return self.minutes


@dataclass(frozen=True, slots=True)
class CrossTrainingOption:
    id: str
    name: str
    minutes: int
    bone_load_rank: int
    intensity: str
    stop_signs: str
    caution: str | None = None
    #: Today's way to do it (e.g. "3 minutes moderate, 2 minutes easy"), when rotated in.
    variation: str | None = None
    family: str | None = None  # alike options (crosstraining.yaml `family`)


@dataclass(frozen=True, slots=True)
class SnippetChoice:
    id: str
    topic: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class DailyPlan:
    day: date
    phase: Phase
    stage: int
    is_rest_day: bool
    session: SessionPlan | None
    cross_training: list[CrossTrainingOption]
    snippet: SnippetChoice | None
    safety_line: str
    #: Today's few options (see `todays_cross_training`), lowest bone load first.
    cross_training_today: list[CrossTrainingOption] = field(default_factory=list)
    #: The highest bone-load rank offered today.
    bone_load_allowance: int = 6
    #: Set on the day a clean week completes (flows/recognition.py).
    clean_week: CleanWeek | None = None
    eased: bool = False  # a caution day: the stage below, or stage 1's own easy dose

    def summary(self) -> str:
        """One line: 'walk_run 3: Walk 3 / jog 3, five times' or 'rest (cross-train 30 min)'."""
        if self.session is None or self.is_rest_day:
            options = self.cross_training_today or self.cross_training
            minutes = options[0].minutes if options else 0
            return f"{self.phase.value} {self.stage}: rest day (cross-train {minutes} min)"
        return f"{self.phase.value} {self.stage}: {self.session.title}"


def _is_rest_day(
    plan: PhasePlan, state: RehabState, today: date, history: Sequence[DayRecord]
) -> bool:
    if plan.schedule == "alternate":
        # Impact never on consecutive days: the day after a session is a rest day.
        yesterday = today - timedelta(days=1)
        for rec in history:
            if rec.day == yesterday:
                return rec.checkin.session in (SessionResult.DONE, SessionResult.PARTIAL)
        return False
    if plan.rest_every:
        return (state.active_days(today) + 1) % plan.rest_every == 0
    return False


def plan_for_day(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    today: date,
    history: Sequence[DayRecord],
    recent_snippet_ids: Collection[str] = (),
) -> DailyPlan:
    """The plan for `today` given the state after the latest decision.

    On a gate hold (waiting for a clearance) the session of the held phase and stage goes
    on unchanged; on a safety hold protect's gentle session is offered (unless a flag
    behind the hold forbids any loading, `holds.no_loading_flags`: then none); paused,
    there is no graded session and cross-training is offered as in the phase paused
    from. On a caution day (`state.eased_until`) the session is eased: the stage below
    in the same phase (`DailyPlan.eased`; stage 1 stays, with its own easy dose).
    `recent_snippet_ids` are snippets already shown (most recent last); pass at least the
    last few weeks' worth.
    """
    phase = state.phase
    # A gate hold only waits for a clinician's clearance: the athlete keeps the session they
    # already tolerate (their phase and stage, no progression). Any other hold is a safety
    # hold: no graded session, protect-level cross-training only.
    gate_hold = phase is Phase.HOLD and state.hold_reason in GATE_HOLDS
    base = state.active_phase if phase is Phase.PAUSED or gate_hold else phase
    if phase is Phase.HOLD and not gate_hold:
        base = Phase.PROTECT
    plan = library.plans.phases[base]
    keeps_stage = phase is base or gate_hold
    stage_no = min(max(state.stage, 1), len(plan.stages)) if keeps_stage else 1
    eased = state.eased_until is not None and today <= state.eased_until and keeps_stage
    if eased:
        stage_no = max(stage_no - 1, 1)
    stage = plan.stages[stage_no - 1]
    session: SessionPlan | None = None
    no_loading = {f.value for f in library.protocol.holds.no_loading_flags.value}
    safe_protect = (
        phase is Phase.HOLD and not gate_hold and not (set(state.hold_flags) & no_loading)
    )
    graded = phase not in (Phase.HOLD, Phase.PAUSED) or gate_hold or safe_protect
    rest = not graded or _is_rest_day(plan, state, today, history)
    if graded:
        act = stage.activity
        exercises = [
            ExerciseItem(ex.id, ex.name, ex.dose, ex.cues)
            for ex_id in stage.exercises
            if (ex := library.exercise_by_id.get(ex_id)) is not None
            and profile.site not in ex.avoid_sites
        ]
        session = SessionPlan(
            phase=base,
            stage=stage_no,
            title=stage.title,
            kind=act.kind,
            intensity=act.intensity,
            minutes=act.minutes,
            walk_minutes=act.walk_minutes,
            run_minutes=act.run_minutes,
            repeats=act.repeats,
            foot_contacts=act.foot_contacts,
            volume_fraction=act.volume_fraction,
            exercises=exercises,
            stop_rules=list(plan.stop_rules),
            weekly_km=_weekly_km(profile, act.volume_fraction),
            usual_weekly_km=profile.weekly_volume_km if act.volume_fraction else None,
            **_in_own_unit(library, profile, act.volume_fraction),
        )
    replace_minutes = plan.cross_training_minutes
    if session is not None and session.kind in (ActivityKind.WALK_RUN, ActivityKind.RUN):
        replace_minutes = session.total_minutes or replace_minutes
    catalogue = library.crosstraining
    allowance = bone_load_allowance(catalogue, session, rest, state, today)
    cross = [
        CrossTrainingOption(
            id=m.id,
            name=m.name,
            minutes=round(replace_minutes * m.minutes_per_run_minute),
            bone_load_rank=m.bone_load_rank,
            intensity=m.intensity,
            stop_signs=m.stop_signs,
            caution=m.caution if profile.site in m.caution_sites else None,
            family=m.family,
        )
        for m in sorted(catalogue.modalities, key=lambda m: (m.bone_load_rank, m.id))
        if _allowed(m, base, profile, allowance)
    ]
    snippet = pick_snippet(
        library.education.snippets,
        base,
        _relevant_topics(library, state, today, history),
        set(recent_snippet_ids),
    )
    return DailyPlan(
        day=today,
        phase=phase,
        stage=state.stage,
        is_rest_day=rest,
        session=session,
        cross_training=cross,
        snippet=SnippetChoice(snippet.id, snippet.topic, snippet.title, snippet.text)
        if snippet
        else None,
        safety_line=_safety_line(library, profile, base if gate_hold else phase, today),
        cross_training_today=todays_cross_training(
            catalogue,
            cross,
            athlete_seed(profile),
            today,
            # Off the graded plan (a safety hold, paused) every day is alike: daily turns.
            turn=_days_alike(plan, state, today, history, rest) if graded else None,
        ),
        bone_load_allowance=allowance,
        clean_week=clean_week(library.protocol, state, history, today),
        eased=eased,
    )


def _safety_line(library: Library, profile: AthleteProfile, phase: Phase, today: date) -> str:
    """The plan's closing safety line for ``phase``, in one of its wordings per athlete and
    day: the same caution every day, not the same sentence."""
    line = library.safety.messages[f"safety_line.{phase.value}"]
    text = pick(line.choices, athlete_seed(profile), today)
    return render_message(line, {}, library.language, text=text)


def _weekly_km(profile: AthleteProfile, fraction: float | None) -> float | None:
    """The week's target distance: the fraction of the pre-injury weekly volume, rounded
    to whole kilometres (to 0.5 km below 10 km), or None when either is unknown."""
    usual = profile.weekly_volume_km
    if fraction is None or not usual:
        return None
    km = usual * fraction
    return float(round(km)) if km >= 10 else round(km * 2) / 2


def _in_own_unit(
    library: Library, profile: AthleteProfile, fraction: float | None
) -> dict[str, Any]:
    """The week's target and the usual volume in the athlete's unit, rounded like
    `_weekly_km` (a volume typed as "25 miles" comes back as 25, its target as 12.5)."""
    unit = library.readings.distance.get(profile.distance_unit)
    name = profile.distance_unit if unit is not None else "km"
    size = unit.km if unit is not None else 1.0
    usual = profile.weekly_volume_km
    if fraction is None or not usual:
        return {"distance_unit": name}
    own_usual = round(usual / size, 1)
    target = own_usual * fraction
    own_target = float(round(target)) if target >= 10 else round(target * 2) / 2
    return {"distance_unit": name, "weekly_distance": own_target, "usual_distance": own_usual}


# --------------------------------------------------------------------------- cross-training


def _allowed(m: Modality, phase: Phase, profile: AthleteProfile, allowance: int) -> bool:
    return (
        phase in m.phases and profile.site not in m.excluded_sites and m.bone_load_rank <= allowance
    )


def bone_load_allowance(
    catalogue: CrossTrainingFile,
    session: SessionPlan | None,
    rest_day: bool,
    state: RehabState,
    today: date,
) -> int:
    """The highest bone-load rank (FACTS §8) offered today: never above the graded
    session's own load, lower on a rest day and for a few days after a step back."""
    rules = catalogue.allowance
    kind = session.kind if session is not None else ActivityKind.REST
    ceiling = rules.session_max_rank.get(kind, 6)
    if rest_day:
        ceiling = min(ceiling, rules.rest_day_max_rank)
    if any(0 <= (today - d).days < rules.after_step_back_days for d in state.step_backs):
        ceiling = min(ceiling, rules.after_step_back_max_rank)
    return ceiling


#: The rotation's turn is counted in blocks of this many days from the phase start, so
#: the count never needs more history than the engine keeps (42 days).
ROTATION_BLOCK_DAYS = 28


def _days_alike(
    plan: PhasePlan,
    state: RehabState,
    today: date,
    history: Sequence[DayRecord],
    rest: bool,
) -> int:
    """Today's turn in the rotation: how many earlier days of the current block of the
    phase were of today's kind (rest day or session day), plus the block number. Rest and
    session days allow different options, so each kind keeps its own count: alternating
    days never lock the rotation onto half of a list."""
    block = max((today - state.phase_entered).days, 0) // ROTATION_BLOCK_DAYS
    since = state.phase_entered + timedelta(days=block * ROTATION_BLOCK_DAYS)
    alike = sum(
        1
        for i in range((today - since).days)
        if _is_rest_day(plan, state, since + timedelta(days=i), history) is rest
    )
    return alike + block


def _spread_families(order: list[CrossTrainingOption]) -> list[CrossTrainingOption]:
    """The same order with no two options of a family next to each other (the list is read
    as a ring), where that is possible: a day's window of consecutive options then never
    offers two of a kind (hand cycling beside the arm bike). Moves only what it must."""
    out = list(order)
    n = len(out)
    for i in range(n):
        a, b = out[i], out[(i + 1) % n]
        if a.family is None or a.family != b.family:
            continue
        for j in range(2, n):
            c = out[(i + j) % n]
            after = out[(i + j + 1) % n]
            before = out[(i + j - 1) % n]
            # Swap b with c when c fits beside a and b fits where c was.
            if c.family != a.family and (
                b.family is None or (b.family != after.family and b.family != before.family)
            ):
                k = (i + j) % n
                out[(i + 1) % n], out[k] = c, b
                break
    return out


def todays_cross_training(
    catalogue: CrossTrainingFile,
    options: Sequence[CrossTrainingOption],
    seed: int,
    today: date,
    *,
    turn: int | None = None,
) -> list[CrossTrainingOption]:
    """`allowance.per_day` of `options` for `today`, each with a way to vary it.

    Deterministic in (seed, today, turn). The options are put in an order of the athlete's
    own (seeded), and each turn shows the next `per_day` of them, so every allowed option
    comes round within ceil(n / per_day) turns instead of the lowest-ranked few every day.
    `turn` counts the days alike (see `_days_alike`; the date's ordinal when None). The
    variation (intensity and duration) rotates on its own count, so an option does not
    come back the same way. Today's picks are listed lowest bone load first.
    """
    if not options:
        return []
    order = _spread_families(sorted(options, key=lambda o: (mix(seed, o.id), o.id)))
    n = len(order)
    k = min(catalogue.allowance.per_day, n)
    day = today.toordinal()
    start = ((day if turn is None else turn) * k) % n
    picks = sorted(
        (order[(start + i) % n] for i in range(k)), key=lambda o: (o.bone_load_rank, o.id)
    )
    variations = catalogue.variations
    if not variations:
        return picks
    first = (day + seed) % len(variations)
    out: list[CrossTrainingOption] = []
    used: set[str] = set()
    for i, option in enumerate(picks):
        # Today's turn of the list, skipping what does not suit this option's bone load
        # and what the other option of the day already got.
        cycle = [variations[(first + i + j) % len(variations)] for j in range(len(variations))]
        suitable = [v for v in cycle if option.bone_load_rank <= v.max_rank]
        fresh = [v for v in suitable if v.id not in used]
        if not suitable:
            out.append(option)
            continue
        v = (fresh or suitable)[0]
        used.add(v.id)
        minutes = max(round(option.minutes * v.minutes_factor), 1) if option.minutes else 0
        out.append(replace(option, minutes=minutes, variation=v.text))
    return out


def _relevant_topics(
    library: Library, state: RehabState, today: date, history: Sequence[DayRecord]
) -> list[str]:
    p = library.protocol
    topics: list[str] = []
    if any((today - d).days <= 2 for d in state.step_backs) or state.phase is Phase.HOLD:
        topics.append("pain_signals")
    recent = sorted((r for r in history if r.day <= today), key=lambda r: r.day)[-3:]
    last = recent[-1].checkin if recent else None
    if last is not None and last.fear is not None and last.fear >= p.gates.fear_high.value:
        topics.append("fear_confidence")
    hours = [r.checkin.sleep_hours for r in recent if r.checkin.sleep_hours is not None]
    quality = [r.checkin.sleep_quality for r in recent if r.checkin.sleep_quality is not None]
    if (hours and sum(hours) / len(hours) < p.sleep.short_hours.value) or (
        quality and min(quality) <= p.sleep.poor_quality_max.value
    ):
        topics.append("sleep")
    if state.phase in (Phase.RUN_BUILD, Phase.RETURN_TO_SPORT):
        topics.append("rts_checklist")
    return topics
