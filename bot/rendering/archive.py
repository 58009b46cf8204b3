"""The ``/export`` file: a ZIP of CSV files (one per table, plus two readable views of the
check-ins) and one JSON file with the same content. Pure and CPU-bound: the handler runs
:func:`build_export_zip` in a worker thread, off the event loop.

Format (documented column by column in docs/data-export.md):

* ``<table>.csv`` for every table holding the athlete's rows; JSON cells (answers, payloads)
  as compact JSON text, instants in ISO 8601 UTC, empty cells for ``NULL``;
* ``checkin_answers.csv``: one line per answer (check-in, date, slot, question, answer);
* ``decisions.csv``: one line per decided check-in (action, reason codes, red flags and the
  plain-language explanation);
* ``remodel-export.json``: ``{"format", "exported_at", "tables", "checkin_answers",
  "decisions"}`` with the same rows as the CSV files.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.storage.export import AthleteData

__all__ = [
    "ANSWER_COLUMNS",
    "DECISION_COLUMNS",
    "FORMAT",
    "JSON_NAME",
    "Explain",
    "build_export_zip",
    "export_views",
]

FORMAT = "remodel-export/1"
JSON_NAME = "remodel-export.json"
ANSWER_COLUMNS = ["checkin_id", "local_date", "slot", "question", "answer"]
DECISION_COLUMNS = [
    "checkin_id",
    "local_date",
    "slot",
    "answered_at",
    "action",
    "reasons",
    "red_flags",
    "explanation",
]

#: ``explain(action, reasons)``: the plain-language explanation of a decision.
Explain = Callable[[str, list[str]], str]


def export_views(data: AthleteData, explain: Explain) -> dict[str, list[dict[str, Any]]]:
    """The readable views of the check-ins: every answer, and every decision with reasons."""
    answers: list[dict[str, Any]] = []
    decisions: list[dict[str, Any]] = []
    for row in data.rows.get("checkins", []):
        key = {"checkin_id": row["id"], "local_date": row["local_date"], "slot": row["slot"]}
        for question, answer in (row.get("answers") or {}).items():
            answers.append({**key, "question": question, "answer": answer})
        decision = row.get("decision")
        if decision:
            action = str(decision.get("action") or "")
            reasons = [str(r) for r in decision.get("reasons") or []]
            decisions.append(
                {
                    **key,
                    "answered_at": row.get("answered_at"),
                    "action": action,
                    "reasons": reasons,
                    "red_flags": [str(f) for f in decision.get("red_flags") or []],
                    "explanation": explain(action, reasons),
                }
            )
    return {"checkin_answers": answers, "decisions": decisions}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _csv(columns: list[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def build_export_zip(data: AthleteData, *, exported_at: datetime, explain: Explain) -> bytes:
    """The ZIP's bytes (deflated; the CSV files open in any spreadsheet, UTF-8 with BOM)."""
    views = export_views(data, explain)
    document = {
        "format": FORMAT,
        "exported_at": exported_at.isoformat(),
        "tables": data.rows,
        **views,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, columns in data.columns.items():
            archive.writestr(f"{name}.csv", "\ufeff" + _csv(columns, data.rows[name]))
        archive.writestr(
            "checkin_answers.csv", "\ufeff" + _csv(ANSWER_COLUMNS, views["checkin_answers"])
        )
        archive.writestr("decisions.csv", "\ufeff" + _csv(DECISION_COLUMNS, views["decisions"]))
        archive.writestr(
            JSON_NAME, json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False)
        )
    return buffer.getvalue()
