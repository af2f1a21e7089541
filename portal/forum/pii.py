"""Identifying details in a forum post, found before it is sent so the writer can be warned.

This is a warning aid, not an anonymiser: it errs towards flagging (a missed warning can out a
colleague or a client), but only on patterns specific enough that the warning stays meaningful
(one that fires on every post teaches people to click it away). Pure functions over ``str``: no
Flask, no I/O apart from reading ``first_names.txt`` once, and the text is never logged.
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class Kind(enum.StrEnum):
    """What a finding is; the value is a stable key for templates and translations."""

    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    PLATE = "plate"
    NAME = "name"


@dataclass(frozen=True)
class Finding:
    """``text == post[start:end]`` of the post it was found in."""

    kind: Kind
    start: int
    end: int
    text: str


# Tie-break between overlapping findings of equal length: a checksum-validated number is the
# strongest evidence, a name from a word list the weakest.
_RANK = {
    Kind.PERSONNUMMER: 0,
    Kind.SAMORDNINGSNUMMER: 0,
    Kind.EMAIL: 1,
    Kind.PHONE: 2,
    Kind.ADDRESS: 3,
    Kind.PLATE: 4,
    Kind.NAME: 5,
}

# ---------------------------------------------------------------- personnummer

# 12 digits only with a plausible century, so long ids and timestamps starting 17.., 21.. stay out.
# The look-arounds keep a 10/12-digit window from matching inside a longer digit run.
_PNR_RE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<century>19|20)(?P<ymd12>\d{6})[- ]?(?P<tail12>\d{4})"
    r"|(?P<ymd10>\d{6})(?P<sep>[-+ ]?)(?P<tail10>\d{4})"
    r")(?!\d)"
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(digits):
        product = int(char) * (2 - i % 2)  # weights 2,1,2,1,... from the left
        total += product // 10 + product % 10
    return total % 10 == 0


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _personnummer(text: str) -> Iterator[Finding]:
    for m in _PNR_RE.finditer(text):
        if m["century"]:
            ymd, tail = m["ymd12"], m["tail12"]
            centuries: tuple[int, ...] = (int(m["century"]) * 100,)
        else:
            ymd, tail = m["ymd10"], m["tail10"]
            # Without a century "+" means 100 years or older; either reading of the rest is
            # accepted, which is what makes 000229-NNNN (2000 is a leap year) valid.
            centuries = (1800, 1900) if m["sep"] == "+" else (1900, 2000)
        year, month, day = int(ymd[:2]), int(ymd[2:4]), int(ymd[4:])
        kind = Kind.PERSONNUMMER
        if day > 60:  # samordningsnummer: the day of birth plus 60
            kind, day = Kind.SAMORDNINGSNUMMER, day - 60
        if not _luhn_ok(ymd + tail):  # the check digit covers YYMMDDNNN only
            continue
        if any(_real_date(c + year, month, day) for c in centuries):
            yield Finding(kind, m.start(), m.end(), m[0])


# ---------------------------------------------------------------------- phone

# A candidate is +46 / 0046 / trunk 0 followed by digits with single spaces and dashes between
# them; which prefix of it is a phone number is decided by _phone_end. Not after a word
# character, sign, dash, slash or decimal point: dates like 2024-05-12, "Dnr 2024-0123". The
# digit after the trunk 0 is 1-9, which also keeps out amounts ("10 000 000 kr").
_PHONE_RE = re.compile(
    r"(?<![\w+\-/.,])"
    r"(?P<prefix>(?:\+|00)46[ -]?(?:\(0\)[ -]?)?|0)"
    r"(?P<body>[1-9](?:(?:[ ]?-[ ]?|[ ])?\d){4,11})"
)
_DIGIT_RUN_RE = re.compile(r"\d+")
# What may not follow a number: more of a word, or a separator plus digits (times, ranges).
_PHONE_BAD_TAIL_RE = re.compile(r"\w|[-.,:/]\d")
_MOBILE_PREFIXES = ("070", "072", "073", "076", "079")


def _valid_phone(national: str, before_dash: int | None) -> bool:
    """``national`` with trunk 0; ``before_dash`` counts its digits before the one dash, if any."""
    if before_dash is not None and not (2 <= before_dash <= 4 and len(national) - before_dash >= 5):
        return False  # the dash ends the area code; subscriber numbers have 5-8 digits
    if national.startswith(_MOBILE_PREFIXES):
        return len(national) == 10
    return 8 <= len(national) <= 10


def _phone_end(text: str, m: re.Match[str]) -> int | None:
    """End of the longest valid phone number at the start of the candidate, or None."""
    best = None
    national = "0"  # +46 and 0046 stand for the trunk 0
    before_dash: int | None = None
    pos = m.start("body")
    for run in _DIGIT_RUN_RE.finditer(text, pos, m.end()):
        if "-" in text[pos : run.start()]:
            if before_dash is not None:
                break  # a second dash: a date or a range, not a phone number
            before_dash = len(national)
        national += run[0]
        pos = run.end()
        if _valid_phone(national, before_dash) and not _PHONE_BAD_TAIL_RE.match(text, pos):
            best = pos
    return best


def _phones(text: str) -> Iterator[Finding]:
    # Not finditer: a candidate can run into the next number ("070-123 45 67 070-...") or hide
    # one after an invalid start, so the scan resumes where the accepted number ends.
    pos = 0
    while (m := _PHONE_RE.search(text, pos)) is not None:
        end = _phone_end(text, m)
        if end is None:
            pos = m.start() + 1
            continue
        yield Finding(Kind.PHONE, m.start(), end, text[m.start() : end])
        pos = end


# ---------------------------------------------------------------------- email

# Bounded and with disjoint character classes around "@" and ".", so no catastrophic backtracking.
# \w is Unicode, so å/ä/ö are accepted; "@mention" alone has no local part and does not match.
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w+-][\w.+-]{0,63}@(?:[^\W_][\w-]{0,62}\.){1,8}[^\W\d_]{2,24}(?![\w-])")

# -------------------------------------------------------------------- address

_STREET_SUFFIXES = (
    "gatan", "gata", "vägen", "väg", "gränden", "gränd", "stigen", "backen", "backe", "torget",
    "torg", "allén", "allé", "plan", "platsen", "leden", "stranden", "strand",
)  # fmt: skip
_SUFFIX = "|".join(sorted(_STREET_SUFFIXES, key=len, reverse=True))
_CAP_SUFFIX = "|".join(s[0].upper() + s[1:] for s in sorted(_STREET_SUFFIXES, key=len, reverse=True))
_UPPER = "A-ZÅÄÖÉÜ"
_LOWER = "a-zåäöéü"
# Capitalised sentence openers that are never part of a street name: "På Storgatan 12" flags
# only "Storgatan 12", and "På Torget 5" is not read as the street "På Torget".
_NOT_STREET_WORDS = (
    "På|Vid|Till|Från|Mot|Nära|Utanför|Hos|Efter|Bakom|Mellan|Genom|Längs|Runt|Över|Under|"
    "Han|Hon|Hen|Vi|Ni|De|Jag|Du|Det|Den|Där|Här|Och|Men|Om|När|Sedan|Sen"
)
_STREET_PREFIX = rf"(?:(?!(?:{_NOT_STREET_WORDS})[ ])(?:S:t|[{_UPPER}][{_LOWER}]{{1,30}})[ ]){{1,3}}"
# Either one compound word ending in a suffix ("Drottninggatan", optionally after "Sankt"), or
# capitalised words followed by a suffix word ("Lilla Torget", "Olof Palmes gata"). A bare
# capitalised suffix word ("Torget 5", "Plan 3") is too often not a street to flag alone.
_STREET = (
    rf"(?:{_STREET_PREFIX})?[{_UPPER}][{_LOWER}-]{{0,30}}(?:{_SUFFIX})"
    rf"|{_STREET_PREFIX}(?:{_CAP_SUFFIX}|{_SUFFIX})"
)
# House numbers stop at three digits so "Handlingsplan 2024" is not an address; an entrance
# letter ("5B", "12 A"), a range ("12-14") and a flat number ("lgh 1201") are part of it.
_ADDRESS_RE = re.compile(
    rf"(?<![\w-])(?:{_STREET})[ ]\d{{1,3}}(?:-\d{{1,3}})?(?:[A-Ha-h]|[ ][A-H])?"
    r"(?:,?[ ](?:lgh|lägenhet)\.?[ ]?\d{3,4})?"
    r"(?!\w|[.,]\d)"
)
# Swedish postcodes run 100 00-984 99; the town is capitalised or written in capitals as on
# envelopes. A currency code after five digits is an amount, not a town.
_TOWN = rf"(?:[{_UPPER}][{_LOWER}]{{1,30}}|[{_UPPER}]{{2,30}})"
_POSTCODE_RE = re.compile(
    rf"(?<![\w+\-])[1-9]\d{{2}}[ ]?\d{{2}}[ ]{{1,2}}(?!(?:SEK|EUR|USD|NOK|DKK|KR|TKR|MSEK)\b)"
    rf"{_TOWN}(?:-{_TOWN})?(?![\w-])"
)

# ---------------------------------------------------------------------- plate

# Swedish plates: three letters without I, Q, V, Å, Ä, Ö, two digits, then a digit or (since
# 2019) a letter other than O; written with a space, a dash or nothing between. Upper case only,
# as a standalone token.
_PLATE_RE = re.compile(
    r"(?<![\w-])(?P<letters>[A-HJ-PR-UW-Z]{3})[ -]?\d{2}[0-9A-HJ-NPR-UW-Z](?![\w-]|[.,:]\d)"
)
# Acronyms of laws and authorities social services write all day, followed by a section, year or
# phone number ("LSS 123", "SOS 112"). Only three-letter ones in the plate alphabet can collide;
# BBIC, BRÅ, IVO and JO are safe by the pattern itself (length, Å, I).
_NOT_PLATES = frozenset({
    "LVU", "LVM", "SOL", "SFS", "LSS", "SKR", "SOS", "SOU", "OSL", "LOU", "HVB", "SIS", "PBL",
    "AFS", "LAS", "MBL", "DNR",
})  # fmt: skip

# ---------------------------------------------------------------------- names

_NAMES_FILE = Path(__file__).with_name("first_names.txt")
# First names that are also everyday words ("Per dag", "Bo i Malmö", "Hans bil", "Alla vet",
# "Mina kollegor"). Swedish capitalises the word only at a sentence start, so there one of these
# is flagged only when a capitalised, surname-like word follows ("Per Andersson"); mid-sentence
# the capital letter already says it is the name ("jag pratade med Per").
_AMBIGUOUS_FIRST_NAMES = frozenset({
    "Per", "Bo", "Hans", "Alla", "Dan", "Sten", "Stig", "Knut", "Urban", "Axel", "Liv", "Max",
    "Klara", "Vilja", "Ville", "Lova", "Love", "Saga", "Iris", "Maj", "Dina", "Mina", "Inga",
    "Sanna", "Rosa", "Lina", "Linda", "Tina", "Lisa", "Lena",
})  # fmt: skip
# Capitalised words that follow a name without being a surname: the polite "Du" of letters.
_NOT_SURNAMES = frozenset({"Du", "Dig", "Din", "Ditt", "Dina", "Ni", "Er", "Ert", "Era", "Och"})
# Between a sentence end (or a line break) and the next word: spaces, quotes, brackets, bullets.
_SENTENCE_ENDS = frozenset(".!?:;…\n")
_OPENERS = frozenset(" \t\r\"'«»“”‘’([{-–—*•")
_WORD_RE = re.compile(r"[^\W\d_]{1,40}(?:-[^\W\d_]{1,40}){0,2}")
_MAX_SURNAMES = 2  # "Anna Maria Svensson", "Fatima Ali Hassan"


@functools.cache
def _first_names() -> frozenset[str]:
    lines = _NAMES_FILE.read_text(encoding="utf-8").splitlines()
    names = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return frozenset(names - _AMBIGUOUS_FIRST_NAMES)


def _capitalised(word: str) -> bool:
    return all(part[:1].isupper() and part[1:].islower() for part in word.split("-"))


def _is_first_name(word: str, names: frozenset[str]) -> bool:
    """A listed name, its genitive ("Annas") or a double name with one listed part ("Per-Olof")."""
    parts = word.split("-")
    if len(parts) > 1:
        return any(p in names or p in _AMBIGUOUS_FIRST_NAMES or p[:-1] in names for p in parts)
    return word in names or (word.endswith("s") and word[:-1] in names)


def _at_sentence_start(text: str, pos: int) -> bool:
    while pos > 0 and text[pos - 1] in _OPENERS:
        pos -= 1
    return pos == 0 or text[pos - 1] in _SENTENCE_ENDS


def _names(text: str) -> Iterator[Finding]:
    names = _first_names()
    words = list(_WORD_RE.finditer(text))
    i = 0
    while i < len(words):
        word = words[i][0]
        strong = _capitalised(word) and _is_first_name(word, names)
        if not strong and word not in _AMBIGUOUS_FIRST_NAMES:
            i += 1
            continue
        last = i
        # Swallow up to two following capitalised words separated by a single space: the surname
        # identifies far more than the first name, so it must be inside the warning.
        while (
            last + 1 < len(words)
            and last - i < _MAX_SURNAMES
            and text[words[last].end() : words[last + 1].start()] == " "
            and _capitalised(words[last + 1][0])
            and words[last + 1][0] not in _NOT_SURNAMES
        ):
            last += 1
        if strong or last > i or not _at_sentence_start(text, words[i].start()):
            start, end = words[i].start(), words[last].end()
            yield Finding(Kind.NAME, start, end, text[start:end])
        i = last + 1


# ------------------------------------------------------------------ public API


def _plates(text: str) -> Iterator[Finding]:
    for m in _PLATE_RE.finditer(text):
        if m["letters"] not in _NOT_PLATES:
            yield Finding(Kind.PLATE, m.start(), m.end(), m[0])


def _regex(kind: Kind, pattern: re.Pattern[str], text: str) -> Iterator[Finding]:
    for m in pattern.finditer(text):
        yield Finding(kind, m.start(), m.end(), m[0])


def find(text: str) -> list[Finding]:
    """Identifying details in ``text``: sorted by start, non-overlapping.

    Of overlapping candidates the longer wins (it covers more of what identifies), and at equal
    length the more specific kind (a personnummer beats the phone number it also looks like).
    """
    candidates = [
        *_personnummer(text),
        *_phones(text),
        *_regex(Kind.EMAIL, _EMAIL_RE, text),
        *_regex(Kind.ADDRESS, _ADDRESS_RE, text),
        *_regex(Kind.ADDRESS, _POSTCODE_RE, text),
        *_plates(text),
        *_names(text),
    ]
    candidates.sort(key=lambda f: (f.start - f.end, _RANK[f.kind], f.start))
    kept: list[Finding] = []  # disjoint and sorted by start, so neighbours decide overlap
    starts: list[int] = []
    for finding in candidates:
        i = bisect.bisect_left(starts, finding.start)
        if i > 0 and kept[i - 1].end > finding.start:
            continue
        if i < len(kept) and kept[i].start < finding.end:
            continue
        kept.insert(i, finding)
        starts.insert(i, finding.start)
    return kept


def segments(text: str, findings: list[Finding]) -> list[tuple[str, Kind | None]]:
    """``text`` cut into consecutive pieces, each flagged with its finding's kind or None.

    ``''.join(piece for piece, _ in segments(text, findings)) == text``, so a template can render
    the pieces escaped, with ``<mark>`` around flagged ones, and no HTML is built here. Raises
    ValueError if ``findings`` overlap or do not belong to ``text``.
    """
    pieces: list[tuple[str, Kind | None]] = []
    pos = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if (
            not pos <= finding.start < finding.end <= len(text)
            or text[finding.start : finding.end] != finding.text
        ):
            raise ValueError("findings must be non-overlapping, non-empty spans of this text")
        if finding.start > pos:
            pieces.append((text[pos : finding.start], None))
        pieces.append((finding.text, finding.kind))
        pos = finding.end
    if pos < len(text):
        pieces.append((text[pos:], None))
    return pieces
