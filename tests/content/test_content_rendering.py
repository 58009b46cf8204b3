"""Every user-facing string renders to valid Telegram HTML of at most 4096 characters.

Each string of every file under content/<lang>/ is formatted the way the bot formats it
(`str.format` with every placeholder filled by an escaped sample value) and parsed with the
sandbox's copy of Telegram's HTML parser. Placeholders and `params` must agree both ways.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from contentlib import (
    CONTENT_DIR,
    TextItem,
    content_texts,
    load_yaml,
    placeholders,
    sample_value,
    yaml_files,
)

from sandbox.tghtml import EntityParseError, parse_html, utf16_len

LIMIT = 4096
LANGUAGES = sorted(p.name for p in CONTENT_DIR.iterdir() if p.is_dir() and p.name != "__pycache__")
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot);)")
_TAG = re.compile(r"</?([a-zA-Z-]+)(?:\s[^<>]*)?>")
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}


def _texts() -> list[TextItem]:
    items: list[TextItem] = []
    for lang in LANGUAGES:
        items += content_texts(CONTENT_DIR / lang)
    return items


TEXTS = _texts()


def _label(item: TextItem) -> str:
    return f"{item.file.relative_to(CONTENT_DIR)}:{item.path}"


def render(item: TextItem) -> str:
    values = {name: sample_value(name) for name in placeholders(item.text)}
    return item.text.format(**values)


def test_languages_found() -> None:
    assert "en" in LANGUAGES
    assert len(TEXTS) > 500


def test_render_check_can_fail() -> None:
    """The checks below catch what Telegram refuses (guards against a vacuous parser)."""
    with pytest.raises(EntityParseError):
        parse_html("<b>unclosed")
    with pytest.raises(EntityParseError):
        parse_html("<h1>not a Telegram tag</h1>")
    assert _BARE_AMP.search("salt & pepper")
    assert not _BARE_AMP.search("salt &amp; pepper &lt;3")


def _problems(item: TextItem) -> list[str]:
    problems: list[str] = []
    declared = set(item.params or ())
    used = placeholders(item.text)
    if not used <= declared:
        problems.append(f"placeholders {sorted(used - declared)} are not in params")
        return problems
    rendered = render(item)
    try:
        plain, _entities = parse_html(rendered)
    except EntityParseError as error:
        return [f"Telegram would refuse it: {error}"]
    if utf16_len(plain) > LIMIT or len(rendered) > LIMIT:
        problems.append(f"{utf16_len(plain)} characters rendered, the limit is {LIMIT}")
    if _BARE_AMP.search(item.text):
        problems.append("a literal & must be written &amp;")
    tags = {t.lower() for t in _TAG.findall(item.text)}
    if not tags <= ALLOWED_TAGS:
        problems.append(f"tags outside docs/content-format.md: {sorted(tags - ALLOWED_TAGS)}")
    return problems


def test_problem_finder_catches_bad_texts() -> None:
    base = CONTENT_DIR / "en" / "x.yaml"
    assert _problems(TextItem(base, "a", "Hi {name}", None))  # undeclared placeholder
    assert _problems(TextItem(base, "b", "<b>open", None))
    assert _problems(TextItem(base, "c", "Tom & Jerry", None))
    assert _problems(TextItem(base, "d", "x" * (LIMIT + 1), None))
    assert _problems(TextItem(base, "e", '<span class="tg-spoiler">s</span>', None))
    assert _problems(TextItem(base, "f", "Hi <b>{name}</b> &amp; co", ("name",))) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_renders_as_telegram_html(lang: str) -> None:
    bad = [
        f"{_label(item)}: {problem}"
        for item in TEXTS
        if item.file.is_relative_to(CONTENT_DIR / lang)
        for problem in _problems(item)
    ]
    assert bad == [], "\n".join(bad)


def _param_entries(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            found.append((path, node))
        for key, value in node.items():
            found += _param_entries(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _param_entries(value, f"{path}[{i}]")
    return found


def test_params_match_placeholders_both_ways() -> None:
    problems: list[str] = []
    for lang in LANGUAGES:
        for file in yaml_files(CONTENT_DIR / lang):
            for path, entry in _param_entries(load_yaml(file)):
                declared = entry.get("params") or []
                used = placeholders(entry["text"])
                if len(set(declared)) != len(declared):
                    problems.append(f"{file.name}:{path}: params has duplicates")
                if set(declared) != used:
                    problems.append(
                        f"{file.name}:{path}: params {sorted(declared)} vs text {sorted(used)}"
                    )
    assert problems == []


def test_no_format_specs_or_stray_braces() -> None:
    """str.format must accept every text; fields are bare names (no specs, no indexing)."""
    bad: list[str] = []
    for item in TEXTS:
        try:
            fields = list(string.Formatter().parse(item.text))
        except ValueError as error:
            bad.append(f"{_label(item)}: {error}")
            continue
        for _, name, spec, conversion in fields:
            if name is not None and (spec or conversion or not name.isidentifier()):
                bad.append(f"{_label(item)}: {{{name}}}")
    assert bad == []


def test_sample_values_are_escaped() -> None:
    for name in ("name", "count", "url", "phase"):
        value = sample_value(name)
        assert "<" not in value
        assert ">" not in value
        parse_html(value)
