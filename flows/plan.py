"""Today's plan: the graded session, cross-training, one education snippet, a safety line.

`plan_for_day` is pure: phase, stage, day and recent history in; a `DailyPlan` with
structured fields out (the bot renders it; `summary()` is a one-line text for the
simulator and logs).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flows.checkin import DayRecord, SessionResult
from flows.education import pick_snippet
from flows.library.loader import Library
from flows.library.schema import ActivityKind, PhasePlan
from flows.phases import Phase
from flows.profile import AthleteProfile
from flows.state import GATE_HOLDS, RehabState


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
    eased: bool = False  # a caution day: the stage below, or stage 1's own easy dose

    def summary(self) -> str:
        """One line: 'walk_run 3: Walk 3 / jog 3, five times' or 'rest (cross-train 30 min)'."""
        if self.session is None or self.is_rest_day:
            minutes = self.cross_training[0].minutes if self.cross_training else 0
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
        )
    replace_minutes = plan.cross_training_minutes
    if session is not None and session.kind in (ActivityKind.WALK_RUN, ActivityKind.RUN):
        replace_minutes = session.total_minutes or replace_minutes
    cross = [
        CrossTrainingOption(
            id=m.id,
            name=m.name,
            minutes=round(replace_minutes * m.minutes_per_run_minute),
            bone_load_rank=m.bone_load_rank,
            intensity=m.intensity,
            stop_signs=m.stop_signs,
            caution=m.caution if profile.site in m.caution_sites else None,
        )
        for m in sorted(library.crosstraining.modalities, key=lambda m: (m.bone_load_rank, m.id))
        if base in m.phases and profile.site not in m.excluded_sites
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
        safety_line=library.text("safety", f"safety_line.{(base if gate_hold else phase).value}"),
        eased=eased,
    )


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
