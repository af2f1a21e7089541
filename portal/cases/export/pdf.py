"""A case's export laid out as an A4 PDF with fpdf2, in memory.

The font is DejaVu Sans, shipped in ``fonts/`` with its licence and embedded as a subset, so that
any name a reporter writes (å ä ö, ł ś ż, Greek, Cyrillic, Arabic letters) prints the same on a
machine without fonts. Text wraps at word boundaries (inside a word too long for a line) and runs
on to new pages; every page starts with the secrecy marking, the case and registration numbers
and the page number.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import TTFFont

from .document import Document, Entry

FONT = "DejaVu"
FONTS = Path(__file__).with_name("fonts")
MARGIN = 18  # mm
LINE = 5.5  # mm, body text at 10.5 pt
TAB = "    "  # the font has no tab glyph
# Printed for a character the font lacks (e.g. Chinese): a sign that something is there, where
# the writer would otherwise leave nothing at all.
MISSING = "\ufffd"


class _Pages(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.document = document
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        font = self.fonts[FONT.lower()]
        assert isinstance(font, TTFFont)
        self._covered = set(font.cmap)
        self._widths: dict[str, float] = {}
        self.set_title(self.printable(document.title))
        self.set_creator("Tystnadsbrytaren")

    def printable(self, text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\t", TAB)
        return "".join(ch if ch == "\n" or ord(ch) in self._covered else MISSING for ch in text)

    def header(self) -> None:
        self.set_font(FONT, "B", 8.5)
        self.multi_cell(
            0, 4.2, self.printable(self.document.secrecy), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font(FONT, "", 8.5)
        page = self.document.page_label.replace("{page}", str(self.page_no()))
        width = self.get_string_width(page) + 2
        self.cell(self.epw - width, 5, self.printable(self.document.running_head), new_x=XPos.RIGHT)
        self.cell(width, 5, page, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.line(MARGIN, self.get_y() + 1, self.w - MARGIN, self.get_y() + 1)
        self.ln(5)

    def heading(self, text: str, size: float) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, self.printable(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def body(self, text: str) -> None:
        """Long text, wrapped here a word at a time: fpdf2's multi_cell measures a line again for
        every character it adds, which made a 100 000-character report take seconds."""
        self.set_font(FONT, "", 10.5)
        for line in self.wrap(self.printable(text), self.epw):
            self.cell(0, LINE, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def measure(self, word: str) -> float:
        """A word's width in the body font (remembered: texts repeat their words)."""
        found = self._widths.get(word)
        if found is None:
            found = self._widths[word] = self.get_string_width(word)
        return found

    def wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        space = self.measure(" ")
        for paragraph in text.split("\n"):
            line, used = "", 0.0
            for word in paragraph.split(" "):
                size = self.measure(word)
                if line and used + space + size <= width:
                    line, used = f"{line} {word}", used + space + size
                    continue
                if line or lines and not paragraph:
                    lines.append(line)
                while size > width:  # a word longer than a line: broken where the line ends
                    cut = self._fitting(word, width)
                    lines.append(word[:cut])
                    word = word[cut:]
                    size = self.measure(word)
                line, used = word, size
            lines.append(line)
        return lines

    def _fitting(self, word: str, width: float) -> int:
        """How many of the word's first characters fit in ``width`` (at least one)."""
        used = 0.0
        for n, ch in enumerate(word):
            used += self.measure(ch)
            if used > width:
                return max(1, n)
        return len(word)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        label_width = 52
        for label, value in rows:
            self.set_font(FONT, "B", 9.5)
            top, page = self.get_y(), self.page_no()
            self.multi_cell(
                label_width, LINE, self.printable(label), align="L", new_x=XPos.RIGHT, new_y=YPos.TOP
            )
            if self.page_no() != page:  # the label began a page: the value goes beside it there
                top = self.t_margin
            self.set_xy(MARGIN + label_width, max(top, self.get_y()))
            self.set_font(FONT, "", 9.5)
            self.multi_cell(0, LINE, self.printable(value), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def entry(self, entry: Entry) -> None:
        if entry.heading:
            self.set_font(FONT, "B", 10)
            self.multi_cell(
                0, LINE, self.printable(entry.heading), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        if entry.text:
            self.body(entry.text)
        self.set_font(FONT, "", 9.5)
        for line in entry.files:
            self.multi_cell(
                0, LINE, "• " + self.printable(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.ln(3)


def render(document: Document) -> bytes:
    pages = _Pages(document)
    pages.add_page()
    pages.heading(document.title, 16)
    pages.facts(document.facts)
    for section in document.sections:
        pages.heading(section.heading, 13)
        for entry in section.entries:
            pages.entry(entry)
        if not section.entries and section.empty:
            pages.body(section.empty)
            pages.ln(3)
    return bytes(pages.output())
