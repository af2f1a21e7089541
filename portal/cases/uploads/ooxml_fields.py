"""Field codes in WordprocessingML: the instructions Word runs when it opens or updates a document.

A field is either ``w:fldSimple`` (the instruction in an attribute) or a run sequence: ``begin``,
the instruction in ``w:instrText`` runs, ``separate``, the last result, ``end``; fields nest. The
dangerous ones lose their instruction and keep their last result, so the reader sees what the
reporter saw and nothing is fetched again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import safexml
from .removals import Removal
from .safexml import Element, local, tag_set

_W = (
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "http://purl.oclc.org/ooxml/wordprocessingml/main",
)
_SIMPLE, _CHAR, _INSTRUCTION = tag_set(_W, "fldSimple"), tag_set(_W, "fldChar"), tag_set(_W, "instrText")
_RUN, _RUN_PROPERTIES = tag_set(_W, "r"), tag_set(_W, "rPr")


def remove_in_run(el: Element) -> None:
    """Remove ``el``, and its run if nothing but the run's properties is left in it."""
    run = el.getparent()
    safexml.remove(el)
    if run is not None and local(run) == "r" and all(local(child) == "rPr" for child in run):
        safexml.remove(run)


# Fields whose instruction makes Word load a file or address when the document is opened or its
# fields are updated (a beacon, an NTLM hash sent to a file server), or start another program (DDE).
_FETCHING_FIELDS = frozenset({"INCLUDEPICTURE", "INCLUDETEXT", "INCLUDE", "LINK", "IMPORT", "RD", "DATABASE"})
_DDE_FIELDS = frozenset({"DDE", "DDEAUTO"})
_QUOTED = re.compile(r'"([^"]*)"')


@dataclass
class _Field:
    code: list[Element]  # the field's markers, instruction and anything nested in the instruction
    instruction: str = ""
    in_code: bool = True


def _field_removals(instruction: str) -> set[Removal]:
    """What removing this field's instruction takes away; empty if the field may stay."""
    words = instruction.split()
    name = words[0].upper() if words else ""
    quoted = _QUOTED.search(instruction)
    target = quoted.group(1) if quoted else (words[1] if len(words) > 1 else "")
    if name in _DDE_FIELDS:
        return {Removal.ACTIVE_CONTENT}
    if name in _FETCHING_FIELDS:
        return (
            safexml.link_removals(safexml.link_kind(target), fetched=True)
            if target
            else {Removal.EXTERNAL_LINKS}
        )
    if name == "HYPERLINK" and target and safexml.link_kind(target) != "web":
        return safexml.link_removals(safexml.link_kind(target), fetched=False)
    return {Removal.PATHS} if safexml.has_path(instruction) else set()


def clean_fields(root: Element, found: set[Removal]) -> None:
    """Remove the instruction of every dangerous field and keep its last result (the text or
    picture shown): nothing is fetched again, and the reader sees what the reporter saw."""
    for simple in list(root.iter(*_SIMPLE)):
        removals = _field_removals(simple.get(f"{{{_W[0]}}}instr") or simple.get(f"{{{_W[1]}}}instr") or "")
        if removals:
            found |= removals
            safexml.unwrap(simple)
    stack: list[_Field] = []
    for run in list(root.iter(*_RUN)):
        for child in list(run):
            if child.tag in _RUN_PROPERTIES:
                continue
            kind = _char_type(child) if child.tag in _CHAR else None
            enclosing = [f for f in stack if f.in_code]
            for f in enclosing:
                f.code.append(child)
            if kind == "begin":
                stack.append(_Field([child]))
            elif kind == "separate" and stack:
                stack[-1].in_code = False
                stack[-1].code.append(child)
            elif kind == "end" and stack:
                done = stack.pop()
                done.code.append(child)
                _finish_field(done, found)
            elif child.tag in _INSTRUCTION and stack and stack[-1].in_code:
                stack[-1].instruction += child.text or ""
    for unfinished in stack:
        _finish_field(unfinished, found)


def _char_type(el: Element) -> str:
    return str(el.get(f"{{{_W[0]}}}fldCharType") or el.get(f"{{{_W[1]}}}fldCharType") or "")


def _finish_field(f: _Field, found: set[Removal]) -> None:
    removals = _field_removals(f.instruction)
    if not removals:
        return
    found |= removals
    for el in dict.fromkeys(f.code):  # an element can be listed by several nested fields
        remove_in_run(el)
