"""The one dependency rule of docs/architecture.md, enforced on the source text.

Dependencies point down only: sandbox imports nothing of ours; flows imports neither the
edge (bot, telegram, storage) nor the sandbox; content holds data, not code. (The finer
purity rules of flows/, such as never reading the clock, live in tests/flows/test_purity.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "sandbox": {"bot", "flows", "content"},
    "flows": {"bot", "sandbox", "telegram", "sqlmodel", "sqlalchemy"},
    "content": {"bot", "flows", "sandbox", "telegram", "sqlmodel", "sqlalchemy"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level package names imported by the module at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_dependency_rule(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    offenders = {name: bad for name, bad in offenders.items() if bad}
    assert offenders == {}


def test_checker_sees_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import telegram.ext\nfrom sqlmodel import Field\nfrom . import x\n")
    assert imported_roots(module) == {"telegram", "sqlmodel"}


def test_content_holds_no_logic() -> None:
    code = [p for p in (ROOT / "content").rglob("*.py") if p.name != "__init__.py"]
    assert code == []
