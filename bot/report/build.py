"""Gather an athlete's report (:class:`ReportData`) from storage and render it.

The words come from content/ (``report.pdf.*``), rendered here and decoded from HTML (a PDF
is not HTML); :mod:`bot.report.pdf` only lays them out. The return-to-sport checklist is
evaluated with the engine's own rules (``flows.rules.readiness``), the way the engine does
it in the run-building phase; before that phase the report says it is not assessed yet.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date, timedelta

from bot.charts.load import load_record
from bot.charts.model import AthleteRecord, MarkerKind, SlotStatus
from bot.charts.words import chart_words
from bot.context import Services
from bot.dialogue import engine
from bot.rendering.plans import phase_label
from bot.report.pdf import ReportData, render_report
from bot.storage import Athlete, get_athlete, list_clearances
from flows.checkin import DayRecord
from flows.phases import Phase
from flows.profile import AthleteProfile
from flows.rules import readiness
from flows.state import RehabState

__all__ = ["ReportError", "build_report", "report_data"]

#: Phases from which the engine evaluates the return-to-sport checklist.
CHECKLIST_PHASES = frozenset({Phase.RUN_BUILD, Phase.RETURN_TO_SPORT, Phase.MAINTENANCE})
RECENT_DAYS = 28
FEAR_DAYS = 7


class ReportError(LookupError):
    """No report for this athlete (unknown, or not set up yet)."""


async def build_report(services: Services, athlete_id: int) -> bytes:
    """The PDF report of athlete ``athlete_id`` as of now, rendered in the render pool.
    Raises :class:`ReportError` for an unknown or not yet onboarded athlete."""
    data = await report_data(services, athlete_id)
    return await services.render.run(render_report, data)


async def report_data(services: Services, athlete_id: int) -> ReportData:
    """What the report prints, read in one transaction."""
    # Imported here, not at the top: the handlers import this package (for /report and the
    # clinician's copy), and the render worker imports bot.report.pdf without the handlers,
    # so a top-level import would close a cycle there.
    from bot.handlers.checkin import history

    now = services.clock.now()
    async with services.store.transaction() as session:
        athlete = await get_athlete(session, athlete_id)
        if athlete is None or not athlete.onboarded or not athlete.rehab_state:
            raise ReportError(athlete_id)
        record = await load_record(session, athlete, services.library, now)
        clearances = await list_clearances(session, athlete_id)
        days = await history(session, athlete, record.today + timedelta(days=1))
    state = RehabState.from_dict(athlete.rehab_state)
    profile = engine.profile_of(athlete, clearances)
    words = _Words(services)
    checklist_rows, note = _checklist(services, words, state, profile, days, record.today)
    return ReportData(
        record=record,
        chart_words=chart_words(services.texts),
        prepared_at=now,
        title=words("title"),
        prepared=words("prepared", day=_day(record.today), name=athlete.first_name),
        footer=words("footer"),
        page=html.unescape(services.texts.raw("report.pdf.page")),
        headings={
            key: words(f"section.{key}")
            for key in (
                "athlete",
                "phases",
                "pain",
                "red_flags",
                "clearances",
                "adherence",
                "scores",
                "checklist",
            )
        },
        facts=_facts(services, words, athlete, record, state),
        phase_columns=tuple(words(f"col.{c}") for c in ("phase", "from", "to", "days")),
        phase_rows=_phase_rows(services, words, record),
        chart_legend=words("legend"),
        red_flag_columns=tuple(words(f"col.{c}") for c in ("date", "signs", "outcome")),
        red_flag_rows=_red_flag_rows(services, words, record),
        red_flags_none=words("none_red_flags"),
        clearance_columns=tuple(words(f"col.{c}") for c in ("date", "allows", "confirmed")),
        clearance_rows=tuple(
            (
                _day(c.day),
                _clearance(services, c.allows),
                words(f"confirmed.{'clinician' if c.confirmed_by == 'clinician' else 'athlete'}"),
            )
            for c in record.clearances
        ),
        clearances_none=words("none_clearances"),
        adherence=_adherence(words, record),
        scores=_scores(words, record),
        checklist_columns=(words("col.item"), words("col.status")),
        checklist_rows=checklist_rows,
        checklist_note=note,
    )


class _Words:
    """``report.pdf.<key>`` rendered (values escaped) and decoded back to plain text."""

    def __init__(self, services: Services) -> None:
        self._texts = services.texts

    def __call__(self, key: str, **params: object) -> str:
        return html.unescape(self._texts.render(f"report.pdf.{key}", **params))


def _day(day: date) -> str:
    return day.strftime("%d %b %Y")


def _option(services: Services, field: str, value: str | None) -> str:
    """The onboarding option label of a profile value (the athlete's own words)."""
    if not value:
        return "–"
    for questionnaire in services.questionnaires.values():
        for question in questionnaire.questions:
            if question.maps_to == f"profile.{field}":
                for option in question.options:
                    if option.value == value:
                        return html.unescape(option.label)
    return value.replace("_", " ")


def _clearance(services: Services, allows: str) -> str:
    key = f"clearance.kind.{allows}"
    return html.unescape(services.texts.raw(key)) if key in services.texts else allows


def _facts(
    services: Services, words: _Words, athlete: Athlete, record: AthleteRecord, state: RehabState
) -> tuple[tuple[str, str], ...]:
    texts = services.texts
    diagnosis = athlete.diagnosis_date
    return (
        (words("field.name"), athlete.first_name or "–"),
        (words("field.sport"), _option(services, "sport", athlete.sport)),
        (words("field.site"), _option(services, "site", athlete.injury_site)),
        (words("field.grade"), _option(services, "grade", athlete.injury_grade)),
        (
            words("field.diagnosis"),
            words("days_since", day=_day(diagnosis), days=(record.today - diagnosis).days)
            if diagnosis
            else "–",
        ),
        (words("field.coached_since"), _day(record.start)),
        (
            words("field.weight_bearing"),
            _option(services, "weight_bearing", athlete.weight_bearing),
        ),
        (
            words("field.current"),
            words(
                "current",
                phase=words(
                    "held_phase",
                    hold=html.unescape(phase_label(texts, state.phase)),
                    phase=html.unescape(phase_label(texts, state.active_phase)),
                )
                if state.phase in (Phase.HOLD, Phase.PAUSED)
                else html.unescape(phase_label(texts, state.phase)),
                stage=state.stage,
                day=_day(state.held_since or state.phase_entered),
            ),
        ),
    )


def _phase_rows(
    services: Services, words: _Words, record: AthleteRecord
) -> tuple[tuple[str, ...], ...]:
    rows = []
    for span in record.spans:
        if span.held:
            continue
        end = span.end or record.today
        rows.append(
            (
                html.unescape(phase_label(services.texts, span.phase)),
                _day(span.start),
                _day(span.end) if span.end else words("ongoing"),
                str((end - span.start).days),
            )
        )
    return tuple(rows)


def _red_flag_rows(
    services: Services, words: _Words, record: AthleteRecord
) -> tuple[tuple[str, ...], ...]:
    safety = services.library.safety.messages
    held = {span.start: span for span in record.spans if span.held}
    cleared = {m.day: m for m in record.markers if m.kind is MarkerKind.CLEARANCE}
    rows = []
    for marker in record.markers:
        if marker.kind is not MarkerKind.RED_FLAG:
            continue
        signs = "; ".join(
            html.unescape(safety[f"red_flag.{code}"].text) if f"red_flag.{code}" in safety else code
            for code in marker.codes
        )
        span = held.get(marker.day)
        if span is None:
            outcome = words("held_no")
        elif span.end is None:
            outcome = words("held_open")
        else:
            clearance = cleared.get(span.end)
            outcome = words(
                "held_until",
                day=_day(span.end),
                clearance=_clearance(services, clearance.codes[0])
                if clearance and clearance.codes
                else "–",
            )
        rows.append((_day(marker.day), signs or "–", outcome))
    return tuple(rows)


def _adherence(words: _Words, record: AthleteRecord) -> str:
    closed = [s for s in record.slots if s.status is not SlotStatus.OPEN]
    answered = sum(1 for s in closed if s.status in (SlotStatus.ANSWERED, SlotStatus.LATE))
    late = sum(1 for s in closed if s.status is SlotStatus.LATE)
    missed = sum(1 for s in closed if s.status is SlotStatus.MISSED)
    since = record.today - timedelta(days=RECENT_DAYS - 1)
    recent = [s for s in closed if s.day >= since]
    recent_answered = sum(1 for s in recent if s.status is not SlotStatus.MISSED)
    share = round(100 * recent_answered / len(recent)) if recent else 0
    return words(
        "adherence",
        answered=answered,
        due=len(closed),
        late=late,
        missed=missed,
        day=_day(record.start),
        recent=share,
    )


def _scores(words: _Words, record: AthleteRecord) -> tuple[str, ...]:
    readiness_days = [d for d in record.days if d.readiness is not None]
    fear_days = [d for d in record.days if d.fear is not None]
    since = record.today - timedelta(days=FEAR_DAYS - 1)
    week = [d.fear for d in fear_days if d.day >= since and d.fear is not None]
    missing = words("not_answered")
    latest = readiness_days[-1] if readiness_days else None
    return (
        words(
            "readiness",
            value=f"{latest.readiness} ({_day(latest.day)})" if latest else missing,
        ),
        words(
            "fear",
            latest=f"{fear_days[-1].fear} ({_day(fear_days[-1].day)})" if fear_days else missing,
            mean=f"{sum(week) / len(week):.1f}" if week else missing,
        ),
    )


def _checklist(
    services: Services,
    words: _Words,
    state: RehabState,
    profile: AthleteProfile,
    days: list[DayRecord],
    today: date,
) -> tuple[tuple[tuple[str, ...], ...], str | None]:
    library = services.library
    items = library.checklist.items
    if state.active_phase not in CHECKLIST_PHASES:
        rows = tuple((html.unescape(i.text), words("checklist.open")) for i in items)
        return rows, words("checklist.later")
    protocol = library.protocol
    gates = protocol.gates
    records = days
    # As the engine does in run_build: the earlier phases' gates (continuous runs, hops,
    # heel raises) were passed to get here, and may be older than the history window.
    facts = readiness.gather(
        profile,
        protocol,
        records,
        today,
        continuous_runs=int(gates.continuous_runs_needed.value),
        hop_test_passed=True,
    )
    facts = replace(
        facts, best_heel_raises=max(facts.best_heel_raises, gates.heel_raises_min.value)
    )
    recent = [r.checkin for r in records[-int(gates.rts_symptom_free_running_days.value) :]]
    met = readiness.evaluate(profile, protocol, facts, recent)
    rows = tuple((html.unescape(item.text), _status(words, met, item.check)) for item in items)
    return rows, None


def _status(words: _Words, met: dict[str, bool], check: str) -> str:
    # Advisory items are advice for the clinician, never "met" by the athlete's answers.
    if not readiness.CHECKS.get(check, True):
        return words("checklist.advice")
    return words("checklist.met" if met.get(check) else "checklist.open")
