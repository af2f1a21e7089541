"""Masked passages as character ranges of the text they mask, and the text with them blacked out.

A mask is kept as ranges rather than as the passage, so that "only the second time the name
appears" stays the second; texts of a case never change, so the ranges keep pointing at what
the moderator chose. The masked characters are replaced before the text reaches the PDF writer:
what is masked is nowhere in the file, not hidden under a box drawn on top of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]  # [start, end) in the text's characters

# U+2588 FULL BLOCK: a row of them prints as one black bar, and extracted text shows only them.
BLOCK = "\u2588"
PASSAGE_MAX = 2000  # characters: a name, a sentence or a paragraph, not a whole report


class PassageNotFound(Exception):
    """The passage does not occur in the text (exactly, but for line breaks and outer spaces)."""


class NoSuchOccurrence(Exception):
    """The passage occurs fewer times than the occurrence asked for."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


def _pattern(passage: str) -> re.Pattern[str]:
    """The passage as typed or pasted: outer spaces dropped; a line break (CR LF from a form, LF
    in a stored text) matches either."""
    lines = passage.replace("\r\n", "\n").strip().split("\n")
    if not "".join(lines).strip():
        raise PassageNotFound
    return re.compile(r"\r?\n".join(re.escape(line) for line in lines))


def find(text: str, passage: str, occurrence: int | None = None) -> list[Span]:
    """Where the passage occurs: every time (``occurrence`` None), or only its n-th time (from 1)."""
    spans = [match.span() for match in _pattern(passage).finditer(text)]
    if not spans:
        raise PassageNotFound
    if occurrence is None:
        return spans
    if not 1 <= occurrence <= len(spans):
        raise NoSuchOccurrence(len(spans))
    return [spans[occurrence - 1]]


def merge(spans: Iterable[Span], length: int) -> list[Span]:
    """Overlapping and touching ranges as one, clipped to a text of ``length`` characters, in order."""
    merged: list[Span] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def apply(text: str, spans: Iterable[Span]) -> str:
    """The text with every masked character a black block; line breaks stay, so a masked paragraph
    keeps its shape and the text around it where it was."""
    parts: list[str] = []
    at = 0
    for start, end in merge(spans, len(text)):
        parts.append(text[at:start])
        parts.append("".join(ch if ch in "\r\n" else BLOCK for ch in text[start:end]))
        at = end
    parts.append(text[at:])
    return "".join(parts)


def apply_passages(text: str, passages: Iterable[str]) -> str:
    """``text`` with every occurrence of each passage masked: what was masked in the report or the
    dialogue stays masked where it recurs unmarked (the internal notes, a file's name)."""
    spans: list[Span] = []
    for passage in passages:
        try:
            spans += find(text, passage)
        except PassageNotFound:
            continue
    return apply(text, spans)


def masked_passages(text: str, spans: Iterable[Span]) -> list[str]:
    """What the moderator masked, as they see it in the list of masks."""
    return [text[start:end] for start, end in merge(spans, len(text))]
