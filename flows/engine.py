"""The decision engine: one completed check-in in, one `Decision` out.

`decide(library, profile, state, checkin, history, today)` applies, in this order:

1. safety: any red flag -> hold + escalation in this same decision (urgent wording for
   inability to bear weight), an event for the coach; a RED-S score in the restricted band
   -> hold + referral;
2. side states: paused (only safety acts) and hold (released only by a recorded clinician
   clearance of the right kind);
3. regression: step back one stage (or to the previous phase's last stage) on bone-pain
   signals, at most once per episode; a second step back within the window -> hold for a
   clinician review;
4. advancement: one stage, or the next phase when every gate is met; at most one advance
   per local day; impact phases and return to sport wait for clearance where required.

Every decision carries reason codes and the athlete-facing explanation built from
content/en/decisions.yaml. The function is pure: same arguments, same decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from flows.checkin import DailyCheckIn, DayRecord
from flows.library.loader import Library, render_message
from flows.machine import PHASE_MACHINE
from flows.phases import IMPACT_PHASES, MAIN_LINE, Phase
from flows.profile import AthleteProfile, ClearanceKind, WeightBearing
from flows.reasons import URGENT_FLAGS, Action, EventKind, Reason, RedFlag
from flows.rules import readiness, silence
from flows.rules.dwell import min_dwell_days
from flows.rules.progress import (
    assess_regression,
    clean_sessions,
    mean_recent,
    morning_baseline,
    pain_free_run,
)
from flows.rules.safety import caution_signs, red_flags
from flows.state import HoldReason, RehabState
from flows.variety import athlete_seed, pick

#: How many days of history the engine looks at (the longest window among the rules).
HISTORY_DAYS = 42

#: Unmet gates that are about confidence, not the bone (FACTS §5).
READINESS_REASONS = frozenset({Reason.READINESS_LOW, Reason.READINESS_MISSING, Reason.FEAR_GATE})


@dataclass(frozen=True, slots=True)
class Event:
    """Something a coach may be alerted of, or the audit log records."""

    kind: EventKind
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one check-in.

    `explanation` is athlete-facing Telegram HTML (texts from content); `escalation` is the
    safety text to send in the same reply when not None; `urgent` means urgent care.
    `reason_params` holds the numbers behind parametrised reasons (e.g. days left).
    """

    new_state: RehabState
    action: Action
    reasons: list[Reason]
    explanation: str
    red_flags: list[RedFlag] = field(default_factory=list)
    escalation: str | None = None
    urgent: bool = False
    events: list[Event] = field(default_factory=list)
    reason_params: dict[Reason, dict[str, Any]] = field(default_factory=dict)
    checklist: dict[str, bool] | None = None


def initial_state(profile: AthleteProfile, today: date) -> RehabState:
    """The state of a newly onboarded athlete: protect, stage 1, dwell counted from the
    diagnosis day (never later than today)."""
    start = min(profile.diagnosis_date, today)
    return RehabState(phase=Phase.PROTECT, stage=1, phase_entered=start, stage_entered=start)


def diagnosis_changed(state: RehabState, diagnosis_date: date, today: date) -> RehabState:
    """The state after the athlete corrected their diagnosis date (e.g. in /settings).

    An edit must never make the engine skip ahead. Protect's dwell counts from the
    diagnosis, so while the athlete is in protect (also on hold or paused from it) a *later*
    diagnosis date moves the phase start (and the stage start, if earlier) to that date,
    never past ``today``: the dwell left only grows. An *earlier* date moves nothing, since
    it would shorten the dwell the engine has been counting. Past protect the phases count
    from the day they were entered, so nothing changes. Paused days already counted stay
    counted (which can only lengthen the dwell).
    """
    if state.active_phase is not Phase.PROTECT:
        return state
    start = min(diagnosis_date, today)
    if start <= state.phase_entered:
        return state
    return replace(state, phase_entered=start, stage_entered=max(state.stage_entered, start))


def pause(state: RehabState, today: date) -> RehabState:
    """Pause at the athlete's request; dwell clocks stop. Pausing twice is a no-op.

    On hold the athlete may pause too (a holiday, an illness): the hold stays exactly as it
    is (only a clearance ends it) and `paused_since` records the pause, so check-ins stop
    and the hold is still there on resume."""
    if state.phase is Phase.PAUSED:
        return state
    if state.phase is Phase.HOLD:
        return state if state.paused_since else replace(state, paused_since=today)
    PHASE_MACHINE.fire(state.phase, "pause")
    return replace(state, phase=Phase.PAUSED, paused_from=state.phase, paused_since=today)


def resume(state: RehabState, today: date) -> RehabState:
    """Resume after a pause, at the same phase and stage; paused days do not count. A
    pause taken on hold ends with the hold unchanged."""
    if state.phase is Phase.HOLD:
        return replace(state, paused_since=None)
    if state.phase is not Phase.PAUSED or state.paused_from is None:
        return state
    back = PHASE_MACHINE.fire(Phase.PAUSED, f"resume_to_{state.paused_from.value}")
    since = state.paused_since or today
    return replace(
        state,
        phase=back,
        paused_days=state.paused_days + max((today - since).days, 0),
        paused_since=None,
        paused_from=None,
        stage_entered=state.stage_entered + timedelta(days=max((today - since).days, 0)),
    )


class _Builder:
    """Collects reasons and events while one decision is made."""

    def __init__(
        self, library: Library, seed: int = 0, today: date | None = None, turn: int = 0
    ) -> None:
        self.library = library
        # Wording variants are picked per (athlete, day, the day's turn): flows/variety.py.
        self.seed = seed
        self.today = today or date.min
        self.turn = turn
        self.reasons: list[Reason] = []
        self.params: dict[Reason, dict[str, Any]] = {}
        self.events: list[Event] = []
        self.extra_text: list[str] = []
        self.opening: list[str] = []  # said before the headline (a welcome back)

    def reason(self, reason: Reason, **params: Any) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        if params:
            self.params[reason] = params

    def event(self, kind: EventKind, **payload: Any) -> None:
        self.events.append(Event(kind, payload))

    def build(
        self,
        state: RehabState,
        action: Action,
        flags: Sequence[RedFlag] = (),
        escalation: str | None = None,
        urgent: bool = False,
        checklist: dict[str, bool] | None = None,
    ) -> Decision:
        texts = self.library.decisions.messages
        headline = pick(texts[f"action.{action.value}"].choices, self.seed, self.today, self.turn)
        parts = [*self.opening, headline]
        for reason in self.reasons:
            msg = texts[f"reason.{reason.value}"]
            values = self.params.get(reason, {})
            text = pick(msg.choices, self.seed, self.today, self.turn)
            parts.append(render_message(msg, values, self.library.language, text=text))
        parts += self.extra_text
        return Decision(
            new_state=state,
            action=action,
            reasons=list(self.reasons),
            explanation="\n".join(parts),
            red_flags=list(flags),
            escalation=escalation,
            urgent=urgent,
            events=list(self.events),
            reason_params=dict(self.params),
            checklist=checklist,
        )


def decide(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    checkin: DailyCheckIn,
    history: Sequence[DayRecord],
    today: date,
    turn: int = 0,
) -> Decision:
    """Decide after a completed check-in. See the module docstring for the order of rules.

    `checkin` is everything answered for `today` so far (merge morning and evening with
    `DailyCheckIn.merge`); `history` are earlier days (any order; days >= today and older
    than HISTORY_DAYS are ignored). Call it after each check-in: progression changes at
    most once per day in each direction, red flags act every time. `turn` is how many
    decisions were made earlier `today`: the evening's words then differ from the morning's.
    """
    p = library.protocol
    earliest = today - timedelta(days=HISTORY_DAYS)
    earlier = sorted((r for r in history if earliest <= r.day < today), key=lambda r: r.day)
    days = [*earlier, DayRecord(today, checkin)]
    b = _Builder(library, athlete_seed(profile), today, turn)
    phase = state.active_phase

    # 1. safety first.
    flags = red_flags(p, phase, checkin, earlier, today)
    if flags and not _escalated_today(state, flags, today):
        return _red_flag_hold(library, b, state, flags, today)
    quiet = silence.assess(p.silence, days)
    if quiet.welcome_due(state, today):
        state = replace(state, welcomed_back=today)
        b.opening.append(library.text("decisions", "opening.welcome_back", days=quiet.silent_days))
    score = profile.reds.cra_points(profile.site)
    if score >= p.reds.score_restrict.value and state.hold_reason is not HoldReason.REDS:
        b.reason(Reason.REDS_RESTRICT)
        b.event(EventKind.REDS_SCREEN_ADVISED, score=score)
        held = _hold(state, HoldReason.REDS, today)
        b.event(EventKind.HOLD, reason=HoldReason.REDS.value, phase=phase.value)
        return b.build(held, Action.REFER, escalation=library.text("safety", "escalation.reds"))

    # 2. side states.
    if state.phase is Phase.PAUSED:
        b.reason(Reason.PAUSED)
        return b.build(state, Action.REPEAT)
    if state.phase is Phase.HOLD:
        return _hold_or_release(library, b, profile, state, today)

    _support(library, b, days)

    # 3. regression.
    if phase is not Phase.PROTECT:
        baseline = morning_baseline(p, earlier)
        regression = assess_regression(p, days, baseline)
        if regression.step_back:
            for reason in regression.step_back:
                b.reason(reason)
            return _step_back(library, b, profile, state, today)
        if regression.no_progress:
            for reason in regression.no_progress:
                b.reason(reason)
            return b.build(state, Action.REPEAT)

    # 3b. the caution tier: mild rest or walking pain on a first day (a red flag when it
    # repeats, see rules.safety): no progression today, and the session eased.
    rest, walking = caution_signs(p, phase, checkin)
    if rest or walking:
        if rest:
            b.reason(Reason.CAUTION_REST_PAIN)
        if walking:
            b.reason(Reason.CAUTION_WALKING_PAIN)
        until = today + timedelta(days=max(p.holds.eased_days.value - 1, 0))
        eased = replace(state, eased_until=max(until, state.eased_until or until))
        b.event(EventKind.CAUTION, phase=phase.value, stage=state.stage)
        return b.build(eased, Action.REPEAT)

    # 4. advancement; not on the eased days after a caution day (FACTS §4.2: progress only
    # after 24 h free of symptoms).
    if state.eased_until is not None and today <= state.eased_until:
        b.reason(Reason.EASED_DAY)
        return b.build(state, Action.REPEAT)
    if state.last_advance == today or phase is Phase.MAINTENANCE:
        if phase is Phase.MAINTENANCE:
            b.reason(Reason.MAINTAINING)
        return b.build(state, Action.REPEAT)
    # After a silent spell only fresh evidence counts, and a little of it first.
    waiting = quiet.waiting(p.silence)
    if waiting is not None:
        b.reason(Reason.FRESH_DAYS, needed=waiting[0], have=waiting[1])
        return b.build(state, Action.REPEAT)
    fresh = silence.fresh_evidence(days, quiet)
    return _advance_or_repeat(library, b, profile, state, fresh, today)


# --------------------------------------------------------------------------- safety


def _hold(state: RehabState, reason: HoldReason, today: date) -> RehabState:
    target = PHASE_MACHINE.fire(state.phase, "hold")
    return replace(
        state,
        phase=target,
        hold_reason=reason,
        held_since=today,
        held_from=state.active_phase,
        paused_since=None,
        paused_from=None,
        hold_noted=today,  # the hold's own message is today's word on it
    )


def _escalated_today(state: RehabState, flags: Sequence[RedFlag], today: date) -> bool:
    """Whether these flags already put the athlete on hold today: the morning's answers are
    merged into the evening's check-in, and the same flags must not escalate twice."""
    return (
        state.phase is Phase.HOLD
        and state.hold_reason is HoldReason.RED_FLAG
        and state.held_since == today
        and not any(f in URGENT_FLAGS for f in flags)
        and {f.value for f in flags} <= set(state.hold_flags)
    )


def _red_flag_hold(
    library: Library, b: _Builder, state: RehabState, flags: list[RedFlag], today: date
) -> Decision:
    urgent = any(f in URGENT_FLAGS for f in flags)
    b.reason(Reason.RED_FLAG)
    labels = [library.safety.messages[f"red_flag.{f.value}"].text for f in flags]
    b.extra_text.append("• " + "\n• ".join(labels))
    b.event(
        EventKind.RED_FLAG,
        flags=[f.value for f in flags],
        urgent=urgent,
        phase=state.active_phase.value,
        stage=state.stage,
    )
    values = tuple(f.value for f in flags)
    already = state.phase is Phase.HOLD and state.hold_reason is HoldReason.RED_FLAG
    # The full message (what to do, what to ask, how to record the answer) goes out once
    # per hold; the same flags again while held get the short reminder. New flags, and
    # anything urgent, always get the full text.
    repeat = already and not urgent and set(values) <= set(state.hold_flags)
    held = _hold(state, HoldReason.RED_FLAG, today)
    if already:
        held = replace(held, held_since=state.held_since or today)
    held = replace(held, hold_flags=tuple(dict.fromkeys((*state.hold_flags, *values))))
    key = "escalation.urgent" if urgent else "escalation.red_flag"
    if repeat:
        key = "escalation.red_flag_again"
    return b.build(
        held, Action.REFER, flags=flags, escalation=library.text("safety", key), urgent=urgent
    )


def _hold_or_release(
    library: Library, b: _Builder, profile: AthleteProfile, state: RehabState, today: date
) -> Decision:
    reason = state.hold_reason or HoldReason.RED_FLAG
    since = state.held_since or today
    held_from = state.held_from or Phase.PROTECT
    target: Phase | None = None
    stage = 1
    if reason is HoldReason.IMPACT_GATE:
        if profile.has_clearance({ClearanceKind.IMPACT, ClearanceKind.RETURN_TO_SPORT}):
            target = PHASE_MACHINE.fire(held_from, "advance")
        else:
            b.reason(Reason.AWAITING_IMPACT_CLEARANCE)
    elif reason is HoldReason.RTS_GATE:
        if profile.has_clearance({ClearanceKind.RETURN_TO_SPORT}):
            target = PHASE_MACHINE.fire(held_from, "advance")
        else:
            b.reason(Reason.AWAITING_RTS_CLEARANCE)
    else:
        resumes = [
            c for c in profile.clearances if c.kind is ClearanceKind.RESUME and c.day >= since
        ]
        if resumes:
            target = restart_phase(held_from, resumes[-1].resume_phase)
            stage = state.stage if target is held_from else 1
        elif state.hold_noted != today:
            # The summary once a day; the day's other check-ins get the headline only.
            b.reason(Reason.AWAITING_REVIEW, days=(today - since).days + 1)
            state = replace(state, hold_noted=today)
    if target is None:
        return b.build(state, Action.HOLD)
    new_phase = PHASE_MACHINE.fire(Phase.HOLD, f"release_to_{target.value}")
    released = state.enter(new_phase, stage, today)
    b.reason(Reason.CLEARANCE_RECORDED)
    b.event(EventKind.RELEASED, to=new_phase.value, reason=reason.value, stage=stage)
    if new_phase is not held_from:
        b.event(EventKind.PHASE_CHANGED, **{"from": held_from.value, "to": new_phase.value})
    action = (
        Action.ADVANCE if MAIN_LINE.index(new_phase) > MAIN_LINE.index(held_from) else Action.REPEAT
    )
    if action is Action.ADVANCE:
        released = replace(released, last_advance=today)
        _name_new_phase(library, b, new_phase)
    return b.build(released, action)


def _name_new_phase(library: Library, b: _Builder, phase: Phase) -> None:
    """A move up names the new phase and what changes (decisions.yaml `moved_up.<phase>`)."""
    key = f"moved_up.{phase.value}"
    if key in library.decisions.messages:
        b.extra_text.append(library.text("decisions", key))


def restart_phase(held_from: Phase, wanted: Phase | None) -> Phase:
    """Where a resume clearance restarts an athlete held from `held_from`: the phase the
    clinician named, never above the held one; by default the phase below it (protect
    stays protect). A restart phase is a clinician's decision, so naming an impact phase
    is allowed up to the held phase."""
    cap = MAIN_LINE.index(held_from)
    if wanted is None or wanted not in MAIN_LINE:
        return MAIN_LINE[max(cap - 1, 0)]
    return MAIN_LINE[min(MAIN_LINE.index(wanted), cap)]


# --------------------------------------------------------------------------- support


def _support(library: Library, b: _Builder, days: Sequence[DayRecord]) -> None:
    """Fear and sleep: education and an offer of support, never a penalty."""
    p = library.protocol
    today = days[-1].checkin
    if today.fear is not None and today.fear >= p.gates.fear_high.value:
        b.reason(Reason.FEAR_HIGH)
        b.extra_text.append(library.text("safety", "support.offer"))
        b.event(EventKind.SUPPORT_OFFERED, fear=today.fear)
    window = days[-p.sleep.window_days.value :]
    hours = mean_recent([r.checkin.sleep_hours for r in window])
    poor = sum(
        1
        for r in window
        if r.checkin.sleep_quality is not None
        and r.checkin.sleep_quality <= p.sleep.poor_quality_max.value
    )
    if (hours is not None and hours < p.sleep.short_hours.value) or poor >= p.sleep.poor_days.value:
        b.reason(Reason.SLEEP_SHORT)


# --------------------------------------------------------------------------- regression


def _step_back(
    library: Library, b: _Builder, profile: AthleteProfile, state: RehabState, today: date
) -> Decision:
    """One stage down, or into the previous phase's last stage. Stepping back into a
    phase the athlete already completed credits its minimum dwell (they served it before):
    the dwell clock does not restart, only the stage must be climbed again (FACTS §4.2:
    drop back one stage; BWH: return to the previous level). A release after a red-flag
    or review hold is different: `RehabState.enter` restarts the dwell (conservative)."""
    p = library.protocol.pain
    episode_start = today - timedelta(days=p.step_back_episode_days.value)
    if any(d > episode_start for d in state.step_backs):
        # Same episode: the step back already happened; do not cascade.
        return b.build(state, Action.REPEAT)
    window_start = today - timedelta(days=p.second_step_back_window_days.value)
    recent = tuple(d for d in state.step_backs if d > window_start)
    if state.phase is Phase.PROTECT:
        return b.build(state, Action.REPEAT)
    if recent:
        b.reason(Reason.SECOND_STEP_BACK)
        held = _hold(replace(state, step_backs=(*recent, today)), HoldReason.REVIEW, today)
        b.event(EventKind.CLINICIAN_REVIEW, phase=state.phase.value, stage=state.stage)
        b.event(EventKind.HOLD, reason=HoldReason.REVIEW.value, phase=state.phase.value)
        return b.build(held, Action.REFER, escalation=library.text("safety", "escalation.review"))
    if state.stage > 1:
        new = replace(state, stage=state.stage - 1, stage_entered=today)
    else:
        prev = PHASE_MACHINE.fire(state.phase, "step_back")
        last = len(library.plans.phases[prev].stages)
        credit = min_dwell_days(library.protocol, profile, prev)
        new = replace(state.enter(prev, last, today), phase_entered=today - timedelta(days=credit))
        b.event(EventKind.PHASE_CHANGED, **{"from": state.phase.value, "to": prev.value})
    new = replace(new, step_backs=(*recent, today))
    b.event(
        EventKind.STEP_BACK,
        **{"from": [state.phase.value, state.stage], "to": [new.phase.value, new.stage]},
    )
    return b.build(new, Action.STEP_BACK)


# --------------------------------------------------------------------------- advancement


def _advance_or_repeat(
    library: Library,
    b: _Builder,
    profile: AthleteProfile,
    state: RehabState,
    days: Sequence[DayRecord],
    today: date,
) -> Decision:
    p = library.protocol
    phase = state.phase
    last_stage = len(library.plans.phases[phase].stages)
    sessions_needed, stage_min_days = p.stages[phase].limits(profile.severity)
    baseline = morning_baseline(p, days[:-1])
    today_c = days[-1].checkin

    if (
        today_c.sleep_hours is not None
        and Reason.SLEEP_SHORT in b.reasons
        and max(today_c.site_pains(), default=0) >= p.pain.symptom_min.value
    ):
        b.reason(Reason.SLEEP_WITH_PAIN)
        return b.build(state, Action.REPEAT)

    sessions = clean_sessions(p, days, state.stage_entered, baseline)
    stage_days = (today - state.stage_entered).days
    stage_done = sessions >= sessions_needed and stage_days >= stage_min_days
    if state.stage < last_stage:
        if stage_done:
            new = replace(state, stage=state.stage + 1, stage_entered=today, last_advance=today)
            nxt_stage = library.plans.phases[phase].stages[state.stage]
            b.reason(
                Reason.STAGE_COMPLETE,
                stage=nxt_stage.stage,
                stages=last_stage,
                title=nxt_stage.title,
            )
            b.event(
                EventKind.STAGE_CHANGED,
                phase=phase.value,
                **{"from": state.stage, "to": state.stage + 1},
            )
            return b.build(new, Action.ADVANCE)
        b.reason(Reason.STAGE_SESSIONS, needed=sessions_needed, have=sessions)
        return b.build(state, Action.REPEAT)

    # Last stage: the phase gates.
    unmet, checklist = _phase_gates(library, profile, state, days, today, sessions)
    if unmet:
        for reason, params in unmet:
            b.reason(reason, **params)
        if all(reason in READINESS_REASONS for reason, _ in unmet):
            # The bone is ready; confidence is what holds the athlete. Say so, and offer
            # what helps: the fear lessons, a graded-exposure task, a re-answer.
            b.reason(Reason.READINESS_HOLDS)
            b.extra_text.append(library.text("safety", "support.readiness"))
            b.event(EventKind.SUPPORT_OFFERED, readiness=True)
        return b.build(state, Action.REPEAT, checklist=checklist)
    nxt = PHASE_MACHINE.fire(phase, "advance")
    if nxt in IMPACT_PHASES and profile.needs_impact_clearance:
        if nxt is Phase.RETURN_TO_SPORT and not profile.has_clearance(
            {ClearanceKind.RETURN_TO_SPORT}
        ):
            b.reason(Reason.AWAITING_RTS_CLEARANCE)
            b.event(EventKind.HOLD, reason=HoldReason.RTS_GATE.value, phase=phase.value)
            return b.build(
                _hold(state, HoldReason.RTS_GATE, today), Action.HOLD, checklist=checklist
            )
        if not profile.has_clearance({ClearanceKind.IMPACT, ClearanceKind.RETURN_TO_SPORT}):
            b.reason(Reason.AWAITING_IMPACT_CLEARANCE)
            b.event(EventKind.HOLD, reason=HoldReason.IMPACT_GATE.value, phase=phase.value)
            return b.build(_hold(state, HoldReason.IMPACT_GATE, today), Action.HOLD)
    new = replace(state.enter(nxt, 1, today), step_backs=state.step_backs, last_advance=today)
    b.reason(Reason.PHASE_CRITERIA_MET)
    _name_new_phase(library, b, nxt)
    b.event(EventKind.PHASE_CHANGED, **{"from": phase.value, "to": nxt.value})
    return b.build(new, Action.ADVANCE, checklist=checklist)


def unmet_gates(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    history: Sequence[DayRecord],
    today: date,
) -> list[Reason]:
    """The exit criteria of the athlete's current phase not met on `today`, judged on the
    recorded days (`history`, today's record included if there is one). Empty when the
    phase could be left now. Used when a clearance changes the profile between check-ins
    (flows.clearances)."""
    earliest = today - timedelta(days=HISTORY_DAYS)
    days = sorted((r for r in history if earliest <= r.day <= today), key=lambda r: r.day)
    if not days:
        return [Reason.PAIN_FREE_DAYS]
    sessions = clean_sessions(
        library.protocol, days, state.stage_entered, morning_baseline(library.protocol, days)
    )
    unmet, _ = _phase_gates(library, profile, state, days, today, sessions)
    return [reason for reason, _params in unmet]


def _phase_gates(
    library: Library,
    profile: AthleteProfile,
    state: RehabState,
    days: Sequence[DayRecord],
    today: date,
    sessions_at_last_stage: int,
) -> tuple[list[tuple[Reason, dict[str, Any]]], dict[str, bool] | None]:
    """Unmet exit criteria of the current phase (empty when it may be left), and the
    return-to-sport checklist when the phase is run_build."""
    p = library.protocol
    g = p.gates
    phase = state.phase
    unmet: list[tuple[Reason, dict[str, Any]]] = []
    in_phase = [r for r in days if r.day >= state.phase_entered]
    checklist: dict[str, bool] | None = None

    if phase is Phase.PROTECT:
        run = pain_free_run(p, days)
        if run < g.protect_pain_free_days.value:
            unmet.append(
                (Reason.PAIN_FREE_DAYS, {"needed": g.protect_pain_free_days.value, "have": run})
            )
        if days[-1].checkin.tender:
            unmet.append((Reason.TENDERNESS, {}))
        if profile.weight_bearing in (WeightBearing.NONE, WeightBearing.PARTIAL):
            unmet.append((Reason.WEIGHT_BEARING, {}))
    else:
        needed, stage_min_days = p.stages[phase].limits(profile.severity)
        if phase is Phase.WALK_RUN:
            needed = g.continuous_runs_needed.value
        if sessions_at_last_stage < needed:
            reason = Reason.CONTINUOUS_RUNS if phase is Phase.WALK_RUN else Reason.STAGE_SESSIONS
            unmet.append((reason, {"needed": needed, "have": sessions_at_last_stage}))
        elif (today - state.stage_entered).days < stage_min_days:
            unmet.append((Reason.STAGE_SESSIONS, {"needed": needed, "have": needed - 1}))
    if phase is Phase.WALK_STRENGTH:
        if not any(r.checkin.walk_30min_pain_free for r in in_phase):
            unmet.append((Reason.WALK_TEST, {}))
        best = max((r.checkin.heel_raises or 0 for r in in_phase), default=0)
        if best < g.heel_raises_min.value:
            unmet.append((Reason.HEEL_RAISES, {"needed": g.heel_raises_min.value, "have": best}))
    if phase is Phase.IMPACT_PREP and not any(r.checkin.hop_test_pain_free for r in in_phase):
        unmet.append((Reason.HOP_TEST, {}))
    if phase is Phase.RUN_BUILD:
        facts = readiness.gather(
            profile,
            p,
            days,
            today,
            continuous_runs=max(sessions_at_last_stage, g.continuous_runs_needed.value),
            hop_test_passed=True,
        )
        # Heel raises and hops were gates of earlier phases; they may be out of the window.
        facts = replace(
            facts, best_heel_raises=max(facts.best_heel_raises, g.heel_raises_min.value)
        )
        recent = [r.checkin for r in days[-g.rts_symptom_free_running_days.value :]]
        checklist = readiness.evaluate(profile, p, facts, recent)
        if facts.latest_readiness is None:
            unmet.append((Reason.READINESS_MISSING, {}))
        elif facts.latest_readiness < g.readiness_min.value:
            unmet.append((Reason.READINESS_LOW, {"score": facts.latest_readiness}))
        if facts.mean_fear is not None and facts.mean_fear > g.fear_rts_max.value:
            unmet.append((Reason.FEAR_GATE, {}))
        # Clearance is handled as a hold by the caller; the rest of the list gates here.
        open_items = [
            name
            for name, met in checklist.items()
            if not met
            and readiness.CHECKS[name]
            and name not in ("clinician_clearance", "psychological_readiness")
        ]
        if open_items:
            labels = {i.check: i.text for i in library.checklist.items}
            unmet.append(
                (Reason.CHECKLIST, {"items": "; ".join(labels.get(n, n) for n in open_items)})
            )
    dwell = min_dwell_days(p, profile, phase)
    active = state.active_days(today)
    if active < dwell:
        unmet.insert(0, (Reason.MIN_DWELL, {"days_left": dwell - active}))
    return unmet, checklist
