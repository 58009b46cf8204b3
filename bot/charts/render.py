"""Draw an :class:`~bot.charts.model.AthleteRecord` as a PNG sized for a phone.

matplotlib's object API on the Agg canvas (never ``pyplot``: it keeps global state and is
not thread-safe), so :func:`render_chart` can run in a worker thread or process; it is a
pure function of its arguments. Every word drawn comes in :class:`ChartWords`.

Style: a solid off-white card with near-black text reads the same in Telegram's light and
dark themes (a transparent PNG would put dark text on a dark background); series use the
Okabe-Ito palette, which stays distinguishable with colour-vision deficiencies, and each
series also has its own marker shape. 1080 x 1350 px (4:5) fills a phone's width without
Telegram downscaling it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot; we never do, but a library might

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from bot.charts.model import (
    AthleteRecord,
    ChartView,
    ChartWords,
    MarkerKind,
    Period,
    SlotStatus,
)
from flows.phases import MAIN_LINE

__all__ = ["DPI", "SIZE_INCHES", "render_chart"]

SIZE_INCHES = (6.0, 7.5)
DPI = 180
#: A report page embeds charts in a wider, shorter frame.
REPORT_SIZE_INCHES = (7.0, 3.6)

PAPER = "#FAFAF7"
INK = "#1F2328"
MUTED = "#57606A"
GRID = "#D8DEE4"
# Okabe-Ito.
BLUE, ORANGE, SKY, GREEN, YELLOW, NAVY, VERMILION, PURPLE = (
    "#0072B2",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#1B3A5C",
    "#D55E00",
    "#CC79A7",
)
SAFE_BAND = "#DFF0E4"
SERIES = (
    ("pain_rest", "pain.rest", BLUE, "o"),
    ("pain_walking", "pain.walking", ORANGE, "s"),
    ("pain_during", "pain.during", PURPLE, "^"),
    ("pain_next_morning", "pain.next_morning", GREEN, "D"),
)
MARKER_STYLE = {
    MarkerKind.RED_FLAG: (VERMILION, "^"),
    MarkerKind.STEP_BACK: (ORANGE, "v"),
    MarkerKind.HOLD: (MUTED, "s"),
    MarkerKind.CLEARANCE: (GREEN, "P"),
}
SLOT_COLOURS = {
    SlotStatus.ANSWERED: BLUE,
    SlotStatus.LATE: ORANGE,
    SlotStatus.MISSED: VERMILION,
    SlotStatus.OPEN: "#FFFFFF",
}
EMPTY_CELL = "#ECEEF0"
PHASE_COLOURS = (SKY, BLUE, GREEN, "#2E8B57", ORANGE, PURPLE, NAVY)

_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.titlesize": 15,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.titlelocation": "left",
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "text.color": INK,
    "legend.frameon": False,
}


def render_chart(
    record: AthleteRecord,
    view: ChartView,
    period: Period,
    words: ChartWords,
    *,
    size: tuple[float, float] = SIZE_INCHES,
    dpi: int = DPI,
    page: bool = False,
) -> bytes:
    """The PNG of ``view`` over ``period`` (a pure function: safe in a worker). ``page``:
    for a printed page (the report): a wide frame, no title (the page has headings)."""
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure = Figure(figsize=size, dpi=dpi, facecolor=PAPER)
        FigureCanvasAgg(figure)
        first = record.first_day(period)
        last = record.today
        if page:
            if view is not ChartView.PAIN:
                raise ValueError(f"no page layout for the {view} chart")
            _pain(figure, record, first, last, words, page=True)
        else:
            {
                ChartView.PAIN: _pain,
                ChartView.PHASES: _phases,
                ChartView.CHECKINS: _checkins,
                ChartView.WELLBEING: _wellbeing,
            }[view](figure, record, first, last, words)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, facecolor=PAPER)
    return buffer.getvalue()


# --- shared pieces -------------------------------------------------------------------------


def _x(day: date) -> float:
    """A date as matplotlib's x coordinate (days since its epoch)."""
    return float(mdates.date2num(day))  # type: ignore[no-untyped-call]


def _style(ax: Axes) -> None:
    ax.set_facecolor(PAPER)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def _date_axis(ax: Axes, first: date, last: date) -> None:
    span_days = (last - first).days + 1
    pad = max(0.6, span_days / 40)
    ax.set_xlim(_x(first) - pad, _x(last) + pad)
    span = (last - first).days + 1
    if span <= 16:
        locator: mdates.DateLocator = mdates.DayLocator(interval=2 if span > 8 else 1)  # type: ignore[no-untyped-call]
    elif span <= 60:
        locator = mdates.WeekdayLocator(byweekday=mdates.MO)  # type: ignore[no-untyped-call]
    else:
        locator = mdates.MonthLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.DateFormatter("%d %b" if span <= 60 else "%b")  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    for label in ax.get_xticklabels():
        label.set_rotation(0)


def _title(figure: Figure, words: ChartWords, key: str, record: AthleteRecord) -> None:
    figure.text(0.04, 0.975, words[f"{key}.title"], fontsize=17, weight="bold", va="top")
    figure.text(
        0.04,
        0.94,
        words["subtitle"].format(name=record.first_name, day=record.today.strftime("%d %b %Y")),
        fontsize=11,
        color=MUTED,
        va="top",
    )


def _no_data(ax: Axes, words: ChartWords) -> None:
    ax.text(
        0.5,
        0.5,
        words["no_data"],
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=13,
        color=MUTED,
        wrap=True,
    )


def _today_line(ax: Axes, today: date, words: ChartWords) -> None:
    x = _x(today)
    ax.axvline(x, color=INK, linewidth=1.2, linestyle=(0, (4, 3)), zorder=4)
    ax.text(
        x,
        1.0,
        words["today"],
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize=10,
        color=INK,
    )


# --- pain ----------------------------------------------------------------------------------


def _pain(
    figure: Figure,
    record: AthleteRecord,
    first: date,
    last: date,
    words: ChartWords,
    *,
    page: bool = False,
) -> None:
    if page:
        grid = figure.add_gridspec(
            2, 1, height_ratios=(1.0, 3.0), left=0.17, right=0.98, top=0.97, bottom=0.3
        )
    else:
        _title(figure, words, "pain", record)
        grid = figure.add_gridspec(
            2,
            1,
            height_ratios=(1.0, 4.2),
            left=0.25,
            right=0.95,
            top=0.87,
            bottom=0.25,
            hspace=0.08,
        )
    strip: Axes = figure.add_subplot(grid[0])
    ax: Axes = figure.add_subplot(grid[1], sharex=strip)
    _style(ax)
    limits = record.limits
    ax.axhspan(-0.5, limits.during_max, color=SAFE_BAND, zorder=0)
    ax.axhline(limits.rest_red_flag, color=VERMILION, linewidth=1.4, linestyle="--", zorder=1)
    days = [d for d in record.days if first <= d.day <= last]
    plotted = False
    # Dots help on two weeks; on months they only clutter: lines alone, thinner.
    span = (last - first).days + 1
    dot, width = (6.0, 2.0) if span <= 16 else (3.5, 1.6) if span <= 60 else (0.0, 1.3)
    for attr, _key, colour, shape in SERIES:
        points = [(d.day, getattr(d, attr)) for d in days if getattr(d, attr) is not None]
        if not points:
            continue
        plotted = True
        xs = [_x(p[0]) for p in points]
        ys = [p[1] for p in points]
        ax.plot(xs, ys, color=colour, marker=shape, markersize=dot, linewidth=width, zorder=3)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel(words["pain.axis"])
    _date_axis(ax, first, last)
    if not plotted:
        _no_data(ax, words)
    # Marker strip: one lane per kind, so a red flag and a clearance on one day both show.
    lanes = list(MARKER_STYLE)
    strip.set_facecolor(PAPER)
    strip.set_ylim(-0.6, len(lanes) - 0.4)
    strip.set_yticks(range(len(lanes)))
    strip.set_yticklabels(
        [words[f"marker.{k.value}"] for k in reversed(lanes)], fontsize=8 if page else 10
    )
    strip.tick_params(axis="x", labelbottom=False, length=0)
    strip.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        strip.spines[side].set_visible(False)
    for index, kind in enumerate(reversed(lanes)):
        strip.axhline(index, color=GRID, linewidth=0.8, zorder=0)
        colour, shape = MARKER_STYLE[kind]
        xs = [_x(m.day) for m in record.markers if m.kind is kind and first <= m.day]
        xs = [x for x in xs if x <= _x(last)]
        if xs:
            strip.scatter(xs, [index] * len(xs), color=colour, marker=shape, s=70, zorder=3)
        if kind is MarkerKind.HOLD:
            # How long progression was held (a warning sign holds it without a separate
            # hold event): a bar from the hold to its release.
            for held in (s for s in record.spans if s.held):
                left, right = max(held.start, first), min(held.end or last, last)
                if left <= right:
                    strip.plot(
                        [_x(left), _x(right) + (0 if held.end else 0.5)],
                        [index, index],
                        color=colour,
                        linewidth=6,
                        solid_capstyle="butt",
                        zorder=2,
                    )
    # Legend below, two columns, with the bands spelled out.
    handles: list[Any] = [
        Line2D([], [], color=c, marker=m, linewidth=2, label=words[k]) for _, k, c, m in SERIES
    ]
    handles.append(
        Patch(
            color=SAFE_BAND,
            label=words["pain.band_ok"].format(limit=_num(limits.during_max)),
        )
    )
    handles.append(
        Line2D(
            [],
            [],
            color=VERMILION,
            linestyle="--",
            label=words["pain.band_rest"].format(limit=_num(limits.rest_red_flag)),
        )
    )
    figure.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.02, 0.0) if page else (0.06, 0.01),
        ncol=3 if page else 2,
        fontsize=8.5 if page else 10.5,
    )


def _num(value: float) -> str:
    return f"{value:g}"


# --- phases --------------------------------------------------------------------------------


def _phases(
    figure: Figure, record: AthleteRecord, first: date, last: date, words: ChartWords
) -> None:
    _title(figure, words, "phases", record)
    ax: Axes = figure.add_axes((0.34, 0.2, 0.61, 0.66))
    _style(ax)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.grid(axis="y", visible=False)
    rows = [p.value for p in MAIN_LINE]
    y_of = {phase: len(rows) - 1 - i for i, phase in enumerate(rows)}
    end_view = max([last, *[m.day for m in record.milestones]])
    if end_view > last:
        end_view += timedelta(days=max(2, (end_view - first).days // 20))
    for span in record.spans:
        if span.phase not in y_of:
            continue
        start = max(span.start, first)
        end = span.end or last
        if end < first or start > end_view:
            continue
        y = y_of[span.phase]
        x0 = _x(start)
        width = max(_x(end) - x0 + (0 if span.end else 1), 0.6)
        if span.held:
            ax.barh(
                y,
                width,
                left=x0,
                height=0.34,
                color="none",
                edgecolor=INK,
                hatch="////",
                linewidth=0.8,
                zorder=4,
            )
        else:
            colour = PHASE_COLOURS[rows.index(span.phase) % len(PHASE_COLOURS)]
            ax.barh(y, width, left=x0, height=0.62, color=colour, zorder=3)
    for milestone in record.milestones:
        if milestone.day < first:
            continue
        level = float(y_of.get(milestone.phase or "", len(rows) - 1)) + (
            0.0 if milestone.phase in y_of else 0.5
        )
        x = _x(milestone.day)
        ax.plot([_x(last), x], [level, level], color=MUTED, linestyle=":", linewidth=1.6, zorder=2)
        ax.scatter([x], [level], marker="D", s=80, facecolor=PAPER, edgecolor=INK, zorder=5)
        ax.annotate(
            milestone.label,
            (x, level),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=9.5,
            color=INK,
        )
    ax.set_yticks([y_of[p] for p in rows])
    ax.set_yticklabels([words.phases.get(p, p) for p in rows], fontsize=11, color=INK)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    _date_axis(ax, first, end_view)
    _today_line(ax, last, words)
    handles: list[Any] = [
        Patch(facecolor="none", edgecolor=INK, hatch="////", label=words["phases.held"]),
        Line2D([], [], color=INK, linestyle=(0, (4, 3)), label=words["today"]),
    ]
    if record.milestones:
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                color=MUTED,
                linestyle=":",
                markerfacecolor=PAPER,
                markeredgecolor=INK,
                label=words["phases.projected"],
            )
        )
    figure.legend(
        handles=handles, loc="lower left", bbox_to_anchor=(0.06, 0.02), ncol=2, fontsize=10.5
    )


# --- check-ins -----------------------------------------------------------------------------


def _checkins(
    figure: Figure, record: AthleteRecord, first: date, last: date, words: ChartWords
) -> None:
    _title(figure, words, "checkins", record)
    ax: Axes = figure.add_axes((0.12, 0.24, 0.84, 0.62))
    ax.set_facecolor(PAPER)
    for side in ax.spines.values():
        side.set_visible(False)
    monday = first - timedelta(days=first.weekday())
    weeks = (last - monday).days // 7 + 1
    status = {(m.day, m.slot): m.status for m in record.slots if first <= m.day <= last}
    gap = 0.08
    cells: list[Rectangle] = []
    for offset in range((last - monday).days + 1):
        day = monday + timedelta(days=offset)
        column, row = offset // 7, day.weekday()
        for half, slot in enumerate(("morning", "evening")):
            mark = status.get((day, slot))
            colour = SLOT_COLOURS[mark] if mark is not None else EMPTY_CELL
            if day < first:
                colour = PAPER
            # Halves of one day sit close together; days are set apart by a wider gap.
            cells.append(
                Rectangle(
                    (column + gap / 2, row + 0.07 + half * 0.44),
                    1 - gap,
                    0.42,
                    facecolor=colour,
                    edgecolor=INK if mark is SlotStatus.OPEN else "none",
                    linewidth=0.8,
                )
            )
    # One collection draws hundreds of cells far faster than one patch each.
    ax.add_collection(PatchCollection(cells, match_original=True))
    ax.set_xlim(0, max(weeks, 1))
    ax.set_ylim(7, 0)
    ax.set_yticks([r + 0.5 for r in range(7)])
    ax.set_yticklabels(words["weekdays"].split(), fontsize=11, color=INK)
    ax.tick_params(length=0)
    step = max(1, math.ceil(weeks / 6))
    ax.set_xticks([c + 0.5 for c in range(0, weeks, step)])
    ax.set_xticklabels(
        [(monday + timedelta(weeks=c)).strftime("%d %b") for c in range(0, weeks, step)],
        fontsize=10,
    )
    if weeks > 10:
        ax.set_aspect("auto")
    counts = {s: sum(1 for v in status.values() if v is s) for s in SlotStatus}
    handles = [
        Patch(
            facecolor=SLOT_COLOURS[s],
            edgecolor=INK if s is SlotStatus.OPEN else SLOT_COLOURS[s],
            label=words[f"slot.{s.value}"].format(count=counts[s]),
        )
        for s in (SlotStatus.ANSWERED, SlotStatus.LATE, SlotStatus.MISSED, SlotStatus.OPEN)
    ]
    handles.append(Patch(facecolor=EMPTY_CELL, label=words["slot.none"]))
    figure.legend(
        handles=handles, loc="lower left", bbox_to_anchor=(0.06, 0.04), ncol=2, fontsize=10.5
    )
    figure.text(0.06, 0.015, words["checkins.how"], fontsize=10, color=MUTED)


# --- sleep and fear ------------------------------------------------------------------------


def _wellbeing(
    figure: Figure, record: AthleteRecord, first: date, last: date, words: ChartWords
) -> None:
    _title(figure, words, "wellbeing", record)
    grid = figure.add_gridspec(
        2, 1, left=0.12, right=0.95, top=0.86, bottom=0.19, hspace=0.35, height_ratios=(1, 1)
    )
    sleep: Axes = figure.add_subplot(grid[0])
    fear: Axes = figure.add_subplot(grid[1], sharex=sleep)
    days = [d for d in record.days if first <= d.day <= last]
    _style(sleep)
    _style(fear)
    hours = [(_x(d.day), d.sleep_hours) for d in days if d.sleep_hours is not None]
    quality = [(_x(d.day), d.sleep_quality) for d in days if d.sleep_quality is not None]
    if hours:
        sleep.bar([h[0] for h in hours], [h[1] for h in hours], width=0.7, color=SKY, zorder=2)
    if quality:
        sleep.plot(
            [q[0] for q in quality],
            [q[1] for q in quality],
            color=NAVY,
            marker="o",
            markersize=5,
            linewidth=2,
            zorder=3,
        )
    sleep.set_ylim(0, 12)
    sleep.set_title(words["wellbeing.sleep"], fontsize=13, pad=6)
    if not hours and not quality:
        _no_data(sleep, words)
    fear_points = [(_x(d.day), d.fear) for d in days if d.fear is not None]
    fear.axhline(record.limits.fear_high, color=VERMILION, linestyle="--", linewidth=1.4)
    if fear_points:
        fear.plot(
            [f[0] for f in fear_points],
            [f[1] for f in fear_points],
            color=PURPLE,
            marker="^",
            markersize=6,
            linewidth=2,
            zorder=3,
        )
    else:
        _no_data(fear, words)
    fear.set_ylim(-0.5, 10.5)
    fear.set_yticks(range(0, 11, 2))
    fear.set_title(words["wellbeing.fear"], fontsize=13, pad=6)
    sleep.tick_params(axis="x", labelbottom=True)
    _date_axis(fear, first, last)
    handles = [
        Patch(color=SKY, label=words["wellbeing.hours"]),
        Line2D([], [], color=NAVY, marker="o", linewidth=2, label=words["wellbeing.quality"]),
        Line2D([], [], color=PURPLE, marker="^", linewidth=2, label=words["wellbeing.fear_line"]),
        Line2D(
            [],
            [],
            color=VERMILION,
            linestyle="--",
            label=words["wellbeing.fear_high"].format(limit=_num(record.limits.fear_high)),
        ),
    ]
    figure.legend(
        handles=handles, loc="lower left", bbox_to_anchor=(0.06, 0.01), ncol=2, fontsize=10.5
    )


def views_in_order() -> Sequence[ChartView]:
    """The order /progress offers the views in."""
    return tuple(ChartView)
