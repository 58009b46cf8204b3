"""/report through the real stack: a PDF document of one to three A4 pages with extractable
text (who, injury, phases, warning signs, clearances, check-ins, scores, checklist, the
"not a diagnosis" footer), whose first page renders to a picture that is not blank."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from media_checks import assert_page_not_blank, pdf_page_png, pdf_pages, png_size

if TYPE_CHECKING:
    from conversation_fixtures import Harness

pytest_plugins = ["conversation_fixtures"]

MORNING = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


async def test_report_is_a_pdf_with_the_record(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    # A red flag the first morning: night pain. The athlete is escalated and held.
    harness.clock.set(MORNING)
    await harness.tick()
    await ann.expect("Good morning")
    await ann.expect("wake you")
    await ann.press("Yes")
    await ann.expect("Please contact your clinician")
    await harness.drain(ann)

    await ann.send("/report")
    document = await ann.expect("not a diagnosis")
    assert document.document is not None
    assert document.document["file_name"] == "remodel-report-2026-03-02.pdf"
    assert document.document["mime_type"] == "application/pdf"
    data = await harness.sandbox.file_bytes(document.document["file_id"])

    pages = pdf_pages(data)
    assert 1 <= len(pages) <= 3
    text = "\n".join(pages)
    for expected in (
        "Rehab record",
        "Ann",
        "Inner edge of the shin",
        "MRI grade 2",
        "Phase history",
        "Protect",
        "Warning signs and what happened",
        "Pain at night or pain that wakes you",
        "still waiting for a clinician clearance",
        "No clearances recorded.",
        "Return-to-sport checklist",
    ):
        assert expected in text, expected
    assert all("Not a diagnosis" in page for page in pages)
    assert f"Page 1 of {len(pages)}" in pages[0]

    first = pdf_page_png(data, 0)
    width, height = png_size(first)
    assert (abs(width - 595.3) < 1, height) == (True, 842)  # A4 at 72 dpi
    assert_page_not_blank(first)


async def test_report_lists_a_clearance_as_reported_by_the_athlete(harness: Harness) -> None:
    ann = await harness.onboard("Ann")
    await ann.send("/clearance")
    await ann.expect("Recording a clearance")
    await ann.expect("What did your clinician clear you for?")
    await ann.press("Walking without aids (full weight)")
    await ann.expect("How many days ago")
    await ann.send("0")
    await ann.expect("Recorded")
    await ann.send("/report")
    document = await ann.expect("not a diagnosis")
    assert document.document is not None
    text = "\n".join(pdf_pages(await harness.sandbox.file_bytes(document.document["file_id"])))
    assert "Walking without aids (full weight)" in text
    assert "reported by the athlete" in text


async def test_report_before_onboarding_points_to_start(harness: Harness) -> None:
    bob = await harness.athlete("Bob")
    await bob.send("/report")
    await bob.expect("Send /start")


async def test_a_report_that_cannot_be_built_says_so(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await harness.onboard("Ann")

    def broken(*args: object) -> bytes:
        raise RuntimeError("the layout fell over")

    monkeypatch.setattr("bot.report.build.render_report", broken)
    await ann.send("/report")
    reply = await ann.expect("could not put your report together")
    assert reply.document is None
