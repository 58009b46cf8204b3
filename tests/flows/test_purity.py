"""flows/ is pure: no Telegram, database, bot, sandbox or network imports; no clock reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

FLOWS = Path(__file__).resolve().parents[2] / "flows"
FORBIDDEN_MODULES = {
    "telegram",
    "sqlmodel",
    "sqlalchemy",
    "bot",
    "sandbox",
    "socket",
    "http",
    "urllib",
    "httpx",
    "requests",
    "aiohttp",
}
CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("datetime", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("time", "perf_counter"),
}
FILES = sorted(FLOWS.rglob("*.py"))


def test_there_are_files_to_check() -> None:
    assert len(FILES) > 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FLOWS)))
def test_no_forbidden_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            root = name.split(".")[0]
            assert root not in FORBIDDEN_MODULES, f"{path}:{node.lineno} imports {name}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FLOWS)))
def test_no_clock_reads(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else None
            )
            if owner_name is not None:
                assert (owner_name, node.func.attr) not in CLOCK_CALLS, (
                    f"{path}:{node.lineno} reads the clock ({owner_name}.{node.func.attr})"
                )
