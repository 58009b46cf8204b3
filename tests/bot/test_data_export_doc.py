"""docs/data-export.md describes every column the export carries (schema-driven, so a column
or table added later fails here until it is documented)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.rendering.archive import ANSWER_COLUMNS, DECISION_COLUMNS
from bot.storage.export import SECRET_COLUMNS
from bot.storage.ownership import owned_tables

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-export.md"


def _documented(section: str) -> set[str]:
    """The backticked column names in the first cell of the table under ``### section``."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(section)}\n(.*?)(?=^#|\Z)", text, re.M | re.S)
    assert match is not None, f"docs/data-export.md has no section '### {section}'"
    names: set[str] = set()
    for line in match.group(1).splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


@pytest.mark.parametrize("table", owned_tables(), ids=lambda t: t.name)
def test_every_exported_column_is_documented(table: sa.Table) -> None:
    exported = {c.name for c in table.columns if (table.name, c.name) not in SECRET_COLUMNS}
    missing = exported - _documented(f"{table.name}.csv")
    assert not missing, f"describe {sorted(missing)} under '### {table.name}.csv'"


def test_the_views_are_documented() -> None:
    assert set(ANSWER_COLUMNS) <= _documented("checkin_answers.csv")
    assert set(DECISION_COLUMNS) <= _documented("decisions.csv")
