"""The clinician report: a one-to-three-page PDF of the athlete's record.

:func:`build_report` is the entry point for anyone who needs the bytes (``/report``, and a
linked clinician asking for it): ``await build_report(services, athlete_id)``.
"""

from bot.report.build import build_report, report_data
from bot.report.pdf import render_report

__all__ = ["build_report", "render_report", "report_data"]
