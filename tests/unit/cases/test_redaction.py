"""Masked ranges laid out (issue 15 part 3): found where the moderator's passage occurs, merged
when they overlap, blacked out character by character with line breaks kept."""

from __future__ import annotations

import pytest

from portal.cases.export import redaction
from portal.cases.export.redaction import BLOCK, apply, find, masked_passages, merge

TEXT = "Anna sa till Anna att\nBo Ek ringde Anna."


def test_every_occurrence_or_only_the_chosen_one() -> None:
    assert find(TEXT, "Anna") == [(0, 4), (13, 17), (35, 39)]
    assert find(TEXT, "Anna", 2) == [(13, 17)]
    with pytest.raises(redaction.NoSuchOccurrence) as refused:
        find(TEXT, "Anna", 4)
    assert refused.value.count == 3
    with pytest.raises(redaction.PassageNotFound):
        find(TEXT, "anna ek")
    with pytest.raises(redaction.PassageNotFound):
        find(TEXT, "  \r\n ")


def test_a_pasted_passage_matches_across_a_line_break_and_without_its_outer_spaces() -> None:
    assert find(TEXT, "  att\r\nBo Ek \n") == [(18, 27)]
    assert find("rad ett\r\nrad två", "ett\nrad") == [(4, 12)]


def test_overlapping_touching_and_out_of_range_spans_merge() -> None:
    assert merge([(5, 9), (0, 3), (2, 6), (9, 12), (20, 30), (-4, 0), (14, 14)], 25) == [(0, 12), (20, 25)]


def test_a_mask_at_the_start_and_one_at_the_end() -> None:
    masked = apply(TEXT, [(0, 4), (35, 39)])
    assert masked == BLOCK * 4 + " sa till Anna att\nBo Ek ringde " + BLOCK * 4 + "."
    assert apply("Anna", [(0, 4)]) == BLOCK * 4


def test_overlapping_masks_black_out_their_union_once() -> None:
    assert apply("abcdefgh", [(1, 4), (3, 6)]) == "a" + BLOCK * 5 + "gh"


def test_a_mask_over_lines_keeps_the_line_breaks_and_nothing_of_the_text() -> None:
    text = "Inledning.\nFörsta raden\r\nandra raden\nSlut."
    start, end = find(text, "Första raden\nandra raden")[0]
    masked = apply(text, [(start, end)])
    assert masked == "Inledning.\n" + BLOCK * 12 + "\r\n" + BLOCK * 11 + "\nSlut."
    assert "raden" not in masked and "Första" not in masked
    assert masked_passages(text, [(start, end)]) == ["Första raden\r\nandra raden"]


def test_any_unicode_is_masked_by_the_character() -> None:
    text = "Zgłosił to Łukasz Żółć i محمد."
    spans = find(text, "Łukasz Żółć") + find(text, "محمد")
    assert apply(text, spans) == "Zgłosił to " + BLOCK * 11 + " i " + BLOCK * 4 + "."
