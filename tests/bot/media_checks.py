"""Checks on the pictures and PDFs the bot sends: valid headers, sizes, pages, not blank.

A PNG is "not blank" when it has real ink: a good share of its pixels differ clearly from
the background colour and several distinct colours appear (a chart with its series,
bands and text). A PDF page is rendered to pixels with pypdfium2 and held to the same.
"""

from __future__ import annotations

import io
import struct

import numpy
import pypdfium2
from PIL import Image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk; fails unless ``data`` is a PNG."""
    assert data.startswith(PNG_MAGIC), "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def ink(image: Image.Image) -> tuple[float, int]:
    """(share of pixels that differ from the corner colour, distinct colours seen)."""
    rgb = image.convert("RGB")
    small = rgb.resize((rgb.width // 4 or 1, rgb.height // 4 or 1))
    pixels = numpy.asarray(small, dtype=numpy.int32).reshape(-1, 3)
    distance = numpy.abs(pixels - pixels[0]).sum(axis=1)
    colours = small.getcolors(maxcolors=1 << 20) or []
    return float((distance > 60).mean()), len(colours)


def assert_chart_png(data: bytes, size: tuple[int, int] = (1080, 1350)) -> None:
    """A valid PNG of ``size`` that shows a drawing, not an empty canvas."""
    assert png_size(data) == size
    image = Image.open(io.BytesIO(data))
    image.verify()  # the chunks and CRCs are sound
    share, colours = ink(Image.open(io.BytesIO(data)))
    assert share > 0.02, f"only {share:.1%} of the picture is drawn on"
    assert colours > 20


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page (runs of white space, line breaks included, as one space);
    fails unless ``data`` is a PDF."""
    assert data.startswith(b"%PDF-"), "not a PDF"
    assert data.rstrip().endswith(b"%%EOF")
    document = pypdfium2.PdfDocument(data)
    try:
        return [
            " ".join(document[i].get_textpage().get_text_range().split())
            for i in range(len(document))
        ]
    finally:
        document.close()


def pdf_page_png(data: bytes, index: int = 0, scale: float = 1.0) -> bytes:
    """Page ``index`` rendered to a PNG (72 dpi x ``scale``)."""
    document = pypdfium2.PdfDocument(data)
    try:
        page = document[index]
        width, height = page.get_size()
        assert (round(width), round(height)) == (595, 842), "not an A4 page"
        image = page.render(scale=scale).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def assert_page_not_blank(png: bytes) -> None:
    share, colours = ink(Image.open(io.BytesIO(png)))
    assert share > 0.02, f"only {share:.1%} of the page is printed on"
    assert colours > 20
