"""What an exported case says, in words the moderator's language chose, masks already applied:
the PDF layout (``pdf.py``) only places it on pages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    heading: str  # "1 · Reporter · 2026-12-01"
    text: str  # masked passages already blacked out (redaction.apply)
    files: list[str] = field(default_factory=list)  # one line each; a masked file says only that


@dataclass(frozen=True)
class Section:
    heading: str
    entries: list[Entry]
    empty: str = ""  # said when there are no entries


@dataclass(frozen=True)
class Document:
    title: str  # "Case 12"
    # On every page: the secrecy marking, then the case number and the registration number.
    secrecy: str
    running_head: str
    # "Page {page} of {nb}": {page} is this page's number, {nb} the number of pages.
    page_label: str
    facts: list[tuple[str, str]]
    sections: list[Section]
