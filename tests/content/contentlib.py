"""Helpers for the content-wide tests: walking YAML strings, normalising words, n-grams.

Kept free of the engine so the originality and HTML checks work on the raw files even
when the schema changes; the schema-level checks use `flows.library` directly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = REPO_ROOT / "content"
DOCS_DIR = REPO_ROOT / "docs"

_TAG = re.compile(r"<[^>]*>")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class TextItem:
    """One string found in a YAML file, with where it sits and the params in scope."""

    file: Path
    path: str  # e.g. "snippets[3].text" or "messages.welcome.text"
    text: str
    params: tuple[str, ...] | None  # params of the nearest enclosing mapping, if declared


def yaml_files(root: Path = CONTENT_DIR) -> list[Path]:
    """Every YAML file under `root`, sorted."""
    return sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")])


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def walk_strings(
    node: Any, path: str = "", params: tuple[str, ...] | None = None
) -> Iterator[tuple[str, str, tuple[str, ...] | None]]:
    """(path, string, params in scope) for every string value under `node` (keys skipped)."""
    if isinstance(node, str):
        yield path, node, params
    elif isinstance(node, Mapping):
        declared = node.get("params")
        if isinstance(declared, list) and all(isinstance(p, str) for p in declared):
            params = tuple(declared)
        for key, value in node.items():
            if key == "params":
                continue
            sub = f"{path}.{key}" if path else str(key)
            yield from walk_strings(value, sub, params)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_strings(value, f"{path}[{i}]", params)


def content_texts(root: Path = CONTENT_DIR) -> list[TextItem]:
    """Every string of every YAML file under `root`."""
    items: list[TextItem] = []
    for file in yaml_files(root):
        for path, text, params in walk_strings(load_yaml(file)):
            items.append(TextItem(file, path, text, params))
    return items


def words(text: str) -> list[str]:
    """Lower-case words of `text` with HTML tags, entities, placeholders and punctuation gone.

    Apostrophes are dropped inside words ("bone's" -> "bones"); every other non-alphanumeric
    character separates words, so case, punctuation, hyphens and line breaks never hide a
    copied run.
    """
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _PLACEHOLDER.sub(" ", text)
    text = text.translate(_APOSTROPHES).lower().replace("'", "")
    return [w for w in _NON_WORD.split(text) if w]


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def shared_runs(text: str, reference: set[tuple[str, ...]], n: int) -> list[str]:
    """The runs of `n` words of `text` that also occur in `reference` (n-grams), in order."""
    tokens = words(text)
    found: list[str] = []
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        if gram in reference:
            found.append(" ".join(gram))
    return found


def reference_ngrams(texts: list[str], n: int) -> set[tuple[str, ...]]:
    grams: set[tuple[str, ...]] = set()
    for text in texts:
        grams |= ngrams(words(text), n)
    return grams


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a text (doubled braces are literal and not counted)."""
    return set(re.findall(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})", text))


def sample_value(name: str) -> str:
    """A plausible value for placeholder `name`, escaped as the renderer would escape it.

    Values are deliberately on the long side and include characters that need escaping, so
    the length and HTML checks are not passed by luck.
    """
    lowered = name.lower()
    if "name" in lowered:
        raw = "Alexandra-Josephine O'Neill & Co"
    elif any(k in lowered for k in ("count", "days", "minutes", "number", "score", "pain", "n")):
        raw = "10000"
    elif "url" in lowered or "link" in lowered:
        raw = "https://t.me/remodel_coach_bot?startgroup=abcdefABCDEF0123456789"
    else:
        raw = "a sample value <with> some & characters, about sixty characters"
    return html.escape(raw, quote=False)
