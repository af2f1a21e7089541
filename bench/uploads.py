"""Cleaning attachments: what one file of each kind costs, and what the sandbox adds.

For each kind a realistic file is made in memory (a 12-megapixel phone photo; a Word letter, a
spreadsheet and a slide deck with photos pasted in; a 40-page PDF with pictures; an OpenDocument
text) and cleaned two ways, interleaved: through ``uploads.sanitize`` (the limited child process
the portal uses) and by calling the cleaner in this process. The difference is the sandbox's
price per submission. A PDF whose one stream inflates past the 100 MiB limit shows how fast a
bomb is refused.

Run: ``.venv/bin/python -m bench.uploads [--runs 7]``. The document libraries are imported inside
the functions that use them: multiprocessing's children re-import a main module run with ``-m``,
and their import time (about 250 ms) would be counted as the sandbox's. Under gunicorn the fork
server has already imported the main script, and the children skip it. No target is set by an issue; the figures
go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import zlib
from collections.abc import Callable

from PIL import Image

from portal.cases import uploads
from portal.cases.uploads import cleaning


def _photo(size: tuple[int, int]) -> bytes:
    # A gradient under sensor-like noise: it compresses about as badly as a phone photo does.
    noise = Image.effect_noise(size, 48)
    image = Image.merge("RGB", (noise, Image.linear_gradient("L").resize(size), noise))
    exif = Image.Exif()
    exif[0x013B] = "Benchmark Person"  # Artist
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def _word(photo: bytes) -> bytes:
    import docx
    from docx.shared import Cm

    document = docx.Document()
    for i in range(5):
        document.add_paragraph(f"Stycke {i}: " + "Han sa att han visste var jag bor. " * 40)
        document.add_picture(io.BytesIO(photo), width=Cm(12))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _sheet(photo: bytes) -> bytes:
    import openpyxl
    from openpyxl.drawing.image import Image as SheetImage

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in range(1, 2001):
        sheet.append([row, f"ärende {row}", row * 1.5, "hot" if row % 7 == 0 else "påtryckning"])
    sheet.add_image(SheetImage(io.BytesIO(photo)), "F2")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _slides(photo: bytes) -> bytes:
    from pptx import Presentation
    from pptx.util import Cm as SlideCm

    deck = Presentation()
    for i in range(5):
        slide = deck.slides.add_slide(deck.slide_layouts[5])
        assert slide.shapes.title is not None
        slide.shapes.title.text = f"Bild {i}"
        slide.shapes.add_picture(io.BytesIO(photo), SlideCm(2), SlideCm(4), width=SlideCm(12))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _pdf(photo: bytes, pages: int) -> bytes:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    picture = ImageReader(io.BytesIO(photo))
    for n in range(pages):
        for line in range(40):
            page.drawString(72, 760 - line * 16, f"Sida {n + 1}, rad {line + 1}: beslutet ska ändras.")
        if n % 4 == 0:
            page.drawImage(picture, 72, 72, width=300, height=200)
        page.showPage()
    page.save()
    return out.getvalue()


def _odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    for i in range(200):
        document.text.addElement(P(text=f"Stycke {i}: han sa att han visste var jag bor."))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _flate_bomb() -> bytes:
    """One content stream of 200 MiB of zeros, about 200 kB compressed."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    squeezed = zlib.compress(b"\0" * (200 * 1024 * 1024), 9)
    pdf.pages[0].Contents = pdf.make_stream(squeezed, Filter=pikepdf.Name.FlateDecode)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _median_ms(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def _attempt(clean: Callable[[str, bytes], object], name: str, data: bytes) -> Callable[[], object]:
    """One cleaning of the file, whose refusal is a result like any other."""

    def run() -> object:
        try:
            return clean(name, data)
        except uploads.UploadRefused as refused:
            return refused

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    big_photo, small_photo = _photo((4000, 3000)), _photo((1600, 1200))
    files = {
        "foto.jpg": big_photo,
        "brev.docx": _word(small_photo),
        "lista.xlsx": _sheet(small_photo),
        "bilder.pptx": _slides(small_photo),
        "beslut.pdf": _pdf(small_photo, 40),
        "text.odt": _odt(),
        "bomb.pdf": _flate_bomb(),
    }
    uploads.sanitize("start.txt", b"warm the fork server up")
    print(f"{'file':<12} {'size':>8} {'sandboxed':>10} {'in process':>11} {'sandbox adds':>13}  result")
    for name, data in files.items():
        sandboxed = _attempt(uploads.sanitize, name, data)
        in_process = _attempt(cleaning.clean_file, name, data)
        in_process()  # warm: imports and caches that the fork server already holds
        both = [(_median_ms(sandboxed, 1), _median_ms(in_process, 1)) for _ in range(args.runs)]
        boxed = statistics.median(b for b, _ in both)
        local = statistics.median(p for _, p in both)
        outcome = sandboxed()
        result = (
            type(outcome).__name__
            if isinstance(outcome, uploads.UploadRefused)
            else ", ".join(sorted(r.value for r in outcome.removed))  # type: ignore[attr-defined]
        )
        print(
            f"{name:<12} {len(data) / 1e6:>6.2f}MB {boxed:>8.1f}ms {local:>9.1f}ms {boxed - local:>11.1f}ms  {result}"
        )


if __name__ == "__main__":
    main()
