"""Telegram's HTML parse mode: the tag set, entity offsets and Telegram's error wording."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.tghtml import EntityParseError, parse_html
from sandbox.tgmarkdown import parse_markdown_v2


def test_plain_text_and_entities() -> None:
    text, entities = parse_html("<b>Pain</b> &lt;3 <i>today</i>")
    assert text == "Pain <3 today"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "italic", "offset": 8, "length": 5},
    ]


def test_offsets_are_utf16_code_units() -> None:
    text, entities = parse_html("🦴 <b>bone</b>")
    assert text == "🦴 bone"
    assert entities == [{"type": "bold", "offset": 3, "length": 4}]


def test_links_pre_with_language_and_spoiler() -> None:
    text, entities = parse_html(
        '<a href="https://example.org/?a=1&amp;b=2">site</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<span class="tg-spoiler">s</span> <blockquote expandable>q</blockquote>'
    )
    assert text == "site x = 1 s q"
    assert {
        "type": "text_link",
        "offset": 0,
        "length": 4,
        "url": "https://example.org/?a=1&b=2",
    } in entities
    assert {"type": "pre", "offset": 5, "length": 5, "language": "python"} in entities
    assert {"type": "spoiler", "offset": 11, "length": 1} in entities
    assert {"type": "expandable_blockquote", "offset": 13, "length": 1} in entities


def test_numeric_entities_and_a_lone_ampersand_are_accepted() -> None:
    assert parse_html("A &#38; B &#x26; C & D")[0] == "A & B & C & D"


@pytest.mark.parametrize(
    ("source", "description"),
    [
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("é <p>", 'Unsupported start tag "p" at byte offset 3'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<a href>x</a>",
            'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0',
        ),
    ],
)
def test_errors_use_telegrams_wording(source: str, description: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert caught.value.description == description


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_escaped_text_round_trips(raw: str) -> None:
    text, entities = parse_html(html.escape(raw, quote=False))
    assert text == raw
    assert entities == []


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=50))
def test_bold_wraps_exactly_the_escaped_text(raw: str) -> None:
    text, entities = parse_html(f"<b>{html.escape(raw)}</b>")
    assert text == raw
    assert entities == [{"type": "bold", "offset": 0, "length": len(raw.encode("utf-16-le")) // 2}]


def test_markdown_v2_reserved_characters() -> None:
    assert parse_markdown_v2(r"*Day 3* of 10\.")[0] == "Day 3 of 10."
    with pytest.raises(EntityParseError) as caught:
        parse_markdown_v2("Day 3 of 10.")
    assert (
        caught.value.description
        == "Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*bold")
