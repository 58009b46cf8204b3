"""Lay out a :class:`ReportData` as an A4 PDF with fpdf2 (why fpdf2: docs/record.md).

A pure function of its argument (it runs in the render pool). The text is real text in an
embedded, subset DejaVu Sans (shipped with matplotlib), so any name prints and a clinician's
software can search and copy it; the pain chart is a PNG drawn by :mod:`bot.charts.render`.
Every page carries the "not a diagnosis" footer and its page number.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from bot.charts.model import AthleteRecord, ChartView, ChartWords, Period
from bot.charts.render import REPORT_SIZE_INCHES, render_chart

__all__ = ["ReportData", "render_report"]

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
INK = (31, 35, 40)
MUTED = (87, 96, 106)
RULE = (216, 222, 228)
HEAD_FILL = (238, 241, 244)
WIDTH = 180.0  # A4 210 mm less two 15 mm margins


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the PDF prints, already in words (texts from content/, values formatted);
    ``record`` and ``chart_words`` draw the pain chart."""

    record: AthleteRecord
    chart_words: ChartWords
    prepared_at: datetime
    title: str
    prepared: str
    footer: str
    page: str  # "Page {page} of {pages}"
    headings: dict[str, str]
    facts: tuple[tuple[str, str], ...]
    phase_columns: tuple[str, ...]
    phase_rows: tuple[tuple[str, ...], ...]
    chart_legend: str
    red_flag_columns: tuple[str, ...]
    red_flag_rows: tuple[tuple[str, ...], ...]
    red_flags_none: str
    clearance_columns: tuple[str, ...]
    clearance_rows: tuple[tuple[str, ...], ...]
    clearances_none: str
    adherence: str
    scores: tuple[str, ...]
    checklist_columns: tuple[str, ...]
    checklist_rows: tuple[tuple[str, ...], ...]
    checklist_note: str | None


class _Pdf(FPDF):
    def __init__(self, data: ReportData) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.data = data

    def footer(self) -> None:
        self.set_y(-18)
        self.set_draw_color(*RULE)
        self.line(15, self.get_y(), 195, self.get_y())
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.multi_cell(150, 3.6, self.data.footer, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(
            30,
            3.6,
            self.data.page.format(page=self.page_no(), pages="{nb}"),
            align="R",
        )


def render_report(data: ReportData) -> bytes:
    """The PDF's bytes."""
    pdf = _Pdf(data)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_title(data.title)
    pdf.set_author("Remodel")
    pdf.set_creation_date(data.prepared_at)
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 18)
    pdf.cell(WIDTH, 9, data.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(WIDTH, 5, data.prepared, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)

    _heading(pdf, data.headings["athlete"])
    _facts(pdf, data.facts)

    _heading(pdf, data.headings["phases"])
    _table(pdf, data.phase_columns, data.phase_rows, (70, 40, 40, 30))

    _heading(pdf, data.headings["pain"])
    png = render_chart(
        data.record,
        ChartView.PAIN,
        Period.ALL,
        data.chart_words,
        size=REPORT_SIZE_INCHES,
        page=True,
    )
    _keep(pdf, WIDTH * REPORT_SIZE_INCHES[1] / REPORT_SIZE_INCHES[0] + 10)
    pdf.image(io.BytesIO(png), w=WIDTH)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(WIDTH, 4, data.chart_legend, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)

    _heading(pdf, data.headings["red_flags"])
    if data.red_flag_rows:
        _table(pdf, data.red_flag_columns, data.red_flag_rows, (28, 70, 82))
    else:
        _line(pdf, data.red_flags_none)

    _heading(pdf, data.headings["clearances"])
    if data.clearance_rows:
        _table(pdf, data.clearance_columns, data.clearance_rows, (28, 92, 60))
    else:
        _line(pdf, data.clearances_none)

    _heading(pdf, data.headings["adherence"])
    _line(pdf, data.adherence)

    _heading(pdf, data.headings["scores"])
    for score in data.scores:
        _line(pdf, score)

    _heading(pdf, data.headings["checklist"])
    if data.checklist_note:
        _line(pdf, data.checklist_note)
    _table(pdf, data.checklist_columns, data.checklist_rows, (150, 30))
    return bytes(pdf.output())


def _keep(pdf: FPDF, height: float) -> None:
    """Start a new page unless ``height`` mm still fit on this one."""
    if pdf.get_y() + height > pdf.h - 22:
        pdf.add_page()


def _heading(pdf: FPDF, text: str) -> None:
    _keep(pdf, 22)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(WIDTH, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RULE)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(1.5)


def _line(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "", 9.5)
    pdf.multi_cell(WIDTH, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _facts(pdf: FPDF, facts: Sequence[tuple[str, str]]) -> None:
    for label, value in facts:
        pdf.set_font(FONT, "B", 9.5)
        pdf.cell(56, 5.5, label)
        pdf.set_font(FONT, "", 9.5)
        pdf.multi_cell(WIDTH - 56, 5.5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(
    pdf: FPDF,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=tuple(widths),
        width=WIDTH,
        line_height=5,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        borders_layout="HORIZONTAL_LINES",
        text_align="LEFT",
    ) as table:
        table.row(list(columns))
        for row in rows:
            table.row(list(row))
