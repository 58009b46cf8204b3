"""Every word an athlete or coach reads comes from content/, never from code.

A heuristic over the syntax tree of bot/ and flows/: no string literal (plain or f-string)
may be passed as the text of a Telegram message, an edit, a callback answer or a button.
Operator-facing output (the CLI, logs) is not covered: it is not sent to Telegram.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Bot API calls whose first positional or ``text``/``caption`` argument reaches a user.
TEXT_CALLS = {
    "send_message": 1,  # (chat_id, text)
    "reply_text": 0,
    "reply_html": 0,
    "edit_message_text": 0,
    "edit_text": 0,
    "answer": 0,  # CallbackQuery.answer(text)
    "answer_callback_query": 1,
    "InlineKeyboardButton": 0,
    "BotCommand": 1,
}
TEXT_KEYWORDS = {"text", "caption"}


def _is_literal_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and any(ch.isalpha() for ch in node.value)
    return isinstance(node, ast.JoinedStr)


def literal_texts(source: str) -> list[int]:
    """Line numbers where a user-facing call receives literal text."""
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in TEXT_CALLS:
            continue
        position = TEXT_CALLS[name]
        candidates = [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
        if len(node.args) > position:
            candidates.append(node.args[position])
        lines.extend(node.lineno for value in candidates if _is_literal_text(value))
    return lines


def test_detector_finds_literal_texts() -> None:
    source = (
        "await bot.send_message(chat_id, 'Hello there')\n"
        "await query.answer(f'Done {x}')\n"
        "InlineKeyboardButton(texts.get('yes'), callback_data='v1:a')\n"
        "await bot.send_message(chat_id, text=texts.render(m))\n"
    )
    assert literal_texts(source) == [1, 2]


def test_no_user_facing_literals_in_code() -> None:
    offenders = {}
    for package in ("bot", "flows"):
        for path in (ROOT / package).rglob("*.py"):
            found = literal_texts(path.read_text(encoding="utf-8"))
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}, "user-facing text belongs in content/: " + repr(offenders)
