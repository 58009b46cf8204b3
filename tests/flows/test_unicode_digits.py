"""Unicode digits ("²", "①", "６", "٣") typed at any question are read or refused politely,
never a crash (issue 13: ``"²".isdigit()`` is true and ``int("²")`` raises)."""

from __future__ import annotations

import pytest

from flows.library.loader import Library
from flows.questionnaire.answers import Parsed, Refusal, parse_answer

TEXTS = ["²", "①", "6²", "７", "٣", "mri²", "km²", "grade ①", "Ⅳ", "½", "7½", "⁴a"]


@pytest.mark.parametrize("text", TEXTS)
def test_every_question_reads_or_refuses_unicode_digits(library: Library, text: str) -> None:
    forms = library.questionnaires
    for questionnaire in forms.questionnaires.values():
        for question in questionnaire.questions:
            result = parse_answer(question, text, forms)
            assert isinstance(result, Parsed | Refusal), (question.id, text)
            if isinstance(result, Refusal):
                assert result.text, (question.id, text)


def test_a_superscript_is_not_an_option_number(library: Library) -> None:
    forms = library.questionnaires
    session = next(
        q for qn in forms.questionnaires.values() for q in qn.questions if q.id == "session"
    )
    assert isinstance(parse_answer(session, "²", forms), Refusal)
