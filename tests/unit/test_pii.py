"""portal.forum.pii: what the forum warns about before a post is sent, and what it leaves alone.

Every "found" row checks the kind and the exact span; every "not found" row is a text that must
come back with no finding at all, so a detector of another kind misfiring on it fails too.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from portal.forum import pii
from portal.forum.pii import Finding, Kind, find, segments

NAMES_FILE = Path(pii.__file__).with_name("first_names.txt")


def luhn10(yymmdd: str, serial: str = "987") -> str:
    """YYMMDD + serial + the check digit that makes the ten digits pass Luhn."""
    nine = yymmdd + serial
    total = 0
    for i, char in enumerate(nine):
        product = int(char) * (2 - i % 2)
        total += product // 10 + product % 10
    return nine + str(-total % 10)


def wrong_check(ten: str) -> str:
    return ten[:-1] + str((int(ten[-1]) + 1) % 10)


def dashed(ten: str, sep: str = "-") -> str:
    return ten[:6] + sep + ten[6:]


def kinds_and_texts(text: str) -> list[tuple[Kind, str]]:
    return [(f.kind, f.text) for f in find(text)]


def assert_single(text: str, kind: Kind, span: str) -> None:
    assert kinds_and_texts(text) == [(kind, span)]
    (finding,) = find(text)
    assert text[finding.start : finding.end] == span


# ------------------------------------------------------------------ personnummer

PNR = luhn10("811228")
LEAP_2000 = luhn10("000229")  # 2000 is a leap year (divisible by 400)
SAMORDNING = luhn10("811288")  # born 28 December 1981, day + 60
SAMORDNING_31 = luhn10("811291")
PNR_LOOKS_LIKE_MOBILE = luhn10("070123", "456")  # 070123-4569: a child born 2007

NUMBERS_FOUND = [
    (f"Mitt personnummer är {dashed(PNR)}.", Kind.PERSONNUMMER, dashed(PNR)),
    (f"pnr {dashed(PNR, '+')} (över hundra år)", Kind.PERSONNUMMER, dashed(PNR, "+")),
    (f"pnr {PNR} i journalen", Kind.PERSONNUMMER, PNR),
    (f"pnr {dashed(PNR, ' ')} i journalen", Kind.PERSONNUMMER, dashed(PNR, " ")),
    (f"född 19{dashed(PNR)}", Kind.PERSONNUMMER, f"19{dashed(PNR)}"),
    (f"född 19{PNR}", Kind.PERSONNUMMER, f"19{PNR}"),
    (f"född 19{dashed(PNR, ' ')}", Kind.PERSONNUMMER, f"19{dashed(PNR, ' ')}"),
    (f"skottdag 20{dashed(LEAP_2000)}", Kind.PERSONNUMMER, f"20{dashed(LEAP_2000)}"),
    (f"skottdag {dashed(LEAP_2000)}", Kind.PERSONNUMMER, dashed(LEAP_2000)),
    (f"samordningsnummer {dashed(SAMORDNING)}", Kind.SAMORDNINGSNUMMER, dashed(SAMORDNING)),
    (f"samordningsnummer 19{SAMORDNING}", Kind.SAMORDNINGSNUMMER, f"19{SAMORDNING}"),
    (f"samordningsnummer {dashed(SAMORDNING_31)}", Kind.SAMORDNINGSNUMMER, dashed(SAMORDNING_31)),
    (f"nummer {PNR_LOOKS_LIKE_MOBILE} stod på lappen", Kind.PERSONNUMMER, PNR_LOOKS_LIKE_MOBILE),
]

NUMBERS_NOT_FOUND = [
    f"fel kontrollsiffra {dashed(wrong_check(PNR))}",
    f"fel kontrollsiffra 19{wrong_check(PNR)}",
    f"1900 var inget skottår: 19{dashed(LEAP_2000)}",
    f"varken 1901 eller 2001 var skottår: {dashed(luhn10('010229'))}",
    f"med plus är 1800 eller 1900 de enda möjliga: {dashed(LEAP_2000, '+')}",
    f"månad 13: {dashed(luhn10('811328'))}",
    f"dag 32: {dashed(luhn10('811232'))}",
    f"dag 60 är varken datum eller samordningsnummer: {dashed(luhn10('811260'))}",
    f"samordningsdag 92: {dashed(luhn10('811292'))}",
    f"organisationsnummer {dashed(luhn10('556016'))}",  # month 60: the org number range
    f"ärende 4{PNR}7 i en längre sifferföljd",
    f"löpnummer 17{PNR} har inget rimligt sekel",
]


@pytest.mark.parametrize(("text", "kind", "span"), NUMBERS_FOUND)
def test_personnummer_found(text: str, kind: Kind, span: str) -> None:
    assert_single(text, kind, span)


@pytest.mark.parametrize("text", NUMBERS_NOT_FOUND)
def test_personnummer_not_found(text: str) -> None:
    assert find(text) == []


# ----------------------------------------------------------------------- phone

PHONES_FOUND = [
    ("ring 070-123 45 67 i kväll", "070-123 45 67"),
    ("ring 0701234567 i kväll", "0701234567"),
    ("ring 070 123 45 67 i kväll", "070 123 45 67"),
    ("ring 070-1234567 i kväll", "070-1234567"),
    ("ring +46 70 123 45 67 i kväll", "+46 70 123 45 67"),
    ("ring +46701234567 i kväll", "+46701234567"),
    ("ring 0046 70 123 45 67 i kväll", "0046 70 123 45 67"),
    ("ring 0046701234567 i kväll", "0046701234567"),
    ("ring +46 (0)70-123 45 67 i kväll", "+46 (0)70-123 45 67"),
    ("växeln 08-123 456 78.", "08-123 456 78"),
    ("växeln 08-12 34 56.", "08-12 34 56"),
    ("växeln 031-12 34 56.", "031-12 34 56"),
    ("växeln 0470-12 34 56.", "0470-12 34 56"),
    ("växeln +46 8 123 456 78.", "+46 8 123 456 78"),
    ("han ringde 070-123 45 67 12 gånger", "070-123 45 67"),
    ("tel:070-123 45 67", "070-123 45 67"),
]

PHONES_NOT_FOUND = [
    "mötet 2024-05-12 kl. 08:30",
    "mötet 12/5 kl 08.30-16.30",
    "mötet 05-12-2024",
    "öppet 08-12 13-16",
    "beloppet var 1 234 567 kr",
    "skulden var 10 000 000 kr",
    "Dnr 2024-123",
    "Dnr 2024-0123",
    "Dnr 0123-2024",
    "bara 070-123 45, resten minns jag inte",
    "sifferföljden 070123456789012",
    "0,75 liter",
]


@pytest.mark.parametrize(("text", "span"), PHONES_FOUND)
def test_phone_found(text: str, span: str) -> None:
    assert_single(text, Kind.PHONE, span)


@pytest.mark.parametrize("text", PHONES_NOT_FOUND)
def test_phone_not_found(text: str) -> None:
    assert find(text) == []


def test_numbers_back_to_back_are_two_phones() -> None:
    assert kinds_and_texts("070-123 45 67 070-765 43 21") == [
        (Kind.PHONE, "070-123 45 67"),
        (Kind.PHONE, "070-765 43 21"),
    ]


# ---------------------------------------------------------------------- email

EMAILS_FOUND = [
    ("mejla anna.svensson@kommun.se i dag", "anna.svensson@kommun.se"),
    ("Skriv till Åsa.Öberg@göteborg.se.", "Åsa.Öberg@göteborg.se"),
    (
        "adress: förnamn.efternamn+forum@socialtjansten.example.org",
        "förnamn.efternamn+forum@socialtjansten.example.org",
    ),
    ("(kalle_92@gmail.com)", "kalle_92@gmail.com"),
]

EMAILS_NOT_FOUND = [
    "tack @anna för svaret",
    "skicka till anna@ sen",
    "a@b",
    "user@localhost",
    "anna@@kommun.se",
    "e-post: @kommun.se",
]


@pytest.mark.parametrize(("text", "span"), EMAILS_FOUND)
def test_email_found(text: str, span: str) -> None:
    assert_single(text, Kind.EMAIL, span)


@pytest.mark.parametrize("text", EMAILS_NOT_FOUND)
def test_email_not_found(text: str) -> None:
    assert find(text) == []


# -------------------------------------------------------------------- address

ADDRESSES_FOUND = [
    ("han bor på Storgatan 12 nu", "Storgatan 12"),
    ("kontoret på Drottninggatan 5B.", "Drottninggatan 5B"),
    ("trappan på Storgatan 12 A, andra våningen", "Storgatan 12 A"),
    ("vi ses på Sankt Eriksgatan 44", "Sankt Eriksgatan 44"),
    ("vi ses på S:t Eriksgatan 44", "S:t Eriksgatan 44"),
    ("hon bor på Kungsvägen 3 lgh 1201", "Kungsvägen 3 lgh 1201"),
    ("hon bor på Kungsvägen 3, lgh 1201", "Kungsvägen 3, lgh 1201"),
    ("vi möttes på Lilla Torget 2", "Lilla Torget 2"),
    ("vi möttes på Olof Palmes gata 13", "Olof Palmes gata 13"),
    ("baren på Stureplan 4", "Stureplan 4"),
    ("På Storgatan 12 bor han.", "Storgatan 12"),
    ("huset Storgatan 12-14", "Storgatan 12-14"),
    ("posten till 123 45 Stockholm", "123 45 Stockholm"),
    ("posten till 12345 Malmö", "12345 Malmö"),
    ("posten till 113 51 STOCKHOLM", "113 51 STOCKHOLM"),
]

ADDRESSES_NOT_FOUND = [
    "vi gick hela vägen hem",
    "Vägen hem var lång.",
    "Storgatan var avstängd i går",
    "hela vägen 3 gånger",
    "På Torget 5 minuter bort stod de",
    "Handlingsplan 2024 antogs",
    "det kostade 12345 SEK",
]


@pytest.mark.parametrize(("text", "span"), ADDRESSES_FOUND)
def test_address_found(text: str, span: str) -> None:
    assert_single(text, Kind.ADDRESS, span)


@pytest.mark.parametrize("text", ADDRESSES_NOT_FOUND)
def test_address_not_found(text: str) -> None:
    assert find(text) == []


# ---------------------------------------------------------------------- plate

PLATES_FOUND = [
    ("bilen ABC 123 stod där", "ABC 123"),
    ("bilen ABC123 stod där", "ABC123"),
    ("bilen ABC-123 stod där", "ABC-123"),
    ("bilen ABC 12A stod där", "ABC 12A"),
    ("en vit Volvo, MLB 42F.", "MLB 42F"),
]

PLATES_NOT_FOUND = [
    "enligt LVU 12 §",
    "beslut enligt LVU 123",
    "beslut enligt LSS 123",
    "ring SOS 112",
    "se SFS 2021:123",
    "bilen abc 123",
    "bilen ABC 1234",
    "koden XABC 123",
    "bilen ABI 123",
    "bilen ABQ 123",
    "bilen ABV 123",
    "bilen ABÅ 123",
    "bilen ABC 12O",
    "bilen ABC 12I",
    "BBIC 123",
    "IVO 123",
    "BRÅ 123",
    "JO 123",
]


@pytest.mark.parametrize(("text", "span"), PLATES_FOUND)
def test_plate_found(text: str, span: str) -> None:
    assert_single(text, Kind.PLATE, span)


@pytest.mark.parametrize("text", PLATES_NOT_FOUND)
def test_plate_not_found(text: str) -> None:
    assert find(text) == []


# ---------------------------------------------------------------------- names

NAMES_FOUND = [
    ("jag pratade med Anna om det", "Anna"),
    ("Anna Svensson hotade mig.", "Anna Svensson"),
    ("sedan kom Mohammed in på kontoret", "Mohammed"),
    ("Anna hotade mig igen.", "Anna"),  # a listed name at a sentence start is still a name
    ("det var Annas pappa som ringde", "Annas"),
    ("Anna-Karin Lind sa att hon visste", "Anna-Karin Lind"),
    ("vi träffade Fatima Ali Hassan i går", "Fatima Ali Hassan"),
    ("Hej Sara, tack!", "Sara"),
    ("Tack Anna Du är bäst", "Anna"),
    ("Per Andersson ringde", "Per Andersson"),  # ambiguous, but with a surname
    ("jag pratade med Per om det", "Per"),  # ambiguous, but capitalised mid-sentence
    ("vi ringde Lena i går", "Lena"),
    ("i går ringde Bo Ek igen", "Bo Ek"),
    ("med Per-Olof", "Per-Olof"),
]

NAMES_NOT_FOUND = [
    "vi fick tre samtal per dag",
    "Per dag fick vi tre samtal",
    "Bo i Malmö är dyrt",
    "Hans bil stod utanför",
    "Alla var rädda",
    "Han sa: Alla vet det.",
    "Vi visste.\nHans bil stod där",
    "- Mina kollegor hjälpte mig",
    '"Inga fler samtal", sa chefen',
    "Mina kollegor hjälpte mig",
    "Inga problem sedan dess",
    "Klara besked från chefen",
    "Liv och hälsa går först.",
    "det var lisa för själen",
    "mina och dina barn",
    "RUT-avdrag söktes",
]


@pytest.mark.parametrize(("text", "span"), NAMES_FOUND)
def test_name_found(text: str, span: str) -> None:
    assert_single(text, Kind.NAME, span)


@pytest.mark.parametrize("text", NAMES_NOT_FOUND)
def test_name_not_found(text: str) -> None:
    assert find(text) == []


def test_names_file() -> None:
    lines = NAMES_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "compiled by hand" in lines[0] and "SCB" not in lines[0]
    names = [line for line in lines if not line.startswith("#")]
    assert len(names) == len(set(names)) and 350 <= len(names) <= 450
    assert all(name.isalpha() and name[0].isupper() and name[1:].islower() for name in names)
    assert not {"Per", "Bo", "Hans", "Alla", "Mina", "Dina", "Inga"} & set(names)
    missed = [
        name for name in names if kinds_and_texts(f"jag pratade med {name} om det") != [(Kind.NAME, name)]
    ]
    assert missed == []


# ------------------------------------------------------------------- overlaps

OVERLAPS = [
    (PNR_LOOKS_LIKE_MOBILE, Kind.PERSONNUMMER),  # same span as a phone number: the checksum wins
    ("Anna.Svensson@kommun.se", Kind.EMAIL),  # longer than the name inside it
    ("Olof Palmes gata 13", Kind.ADDRESS),  # longer than the name "Olof Palmes"
    ("Drottning Kristinas väg 5", Kind.ADDRESS),
]


@pytest.mark.parametrize(("text", "kind"), OVERLAPS)
def test_overlap_keeps_one_finding(text: str, kind: Kind) -> None:
    assert kinds_and_texts(text) == [(kind, text)]


PARAGRAPH = (
    "Hej! Jag jobbar som socialsekreterare. I tisdags stod klientens pappa Mohammed Ali utanför "
    "kontoret på Storgatan 12, 123 45 Stockholm, och väntade vid bilen ABC 123. Han hade fått tag på "
    "mitt nummer 070-123 45 67 och min mejl anna.svensson@kommun.se. Han läste högt mitt personnummer "
    f"19{dashed(PNR)} och sa att han visste var Elsa går i skolan. Per dag ringer han tre gånger, "
    "trots beslut enligt LVU 2 § (Dnr 2024-123) den 2024-05-12."
)


def test_realistic_paragraph() -> None:
    assert kinds_and_texts(PARAGRAPH) == [
        (Kind.NAME, "Mohammed Ali"),
        (Kind.ADDRESS, "Storgatan 12"),
        (Kind.ADDRESS, "123 45 Stockholm"),
        (Kind.PLATE, "ABC 123"),
        (Kind.PHONE, "070-123 45 67"),
        (Kind.EMAIL, "anna.svensson@kommun.se"),
        (Kind.PERSONNUMMER, f"19{dashed(PNR)}"),
        (Kind.NAME, "Elsa"),
    ]


def _assert_well_formed(text: str, findings: list[Finding]) -> None:
    assert all(f.text == text[f.start : f.end] and f.start < f.end for f in findings)
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


def test_random_texts_give_sorted_disjoint_findings() -> None:
    # Seeded noise from the characters the detectors care about; checks invariants, not answers.
    rng = random.Random(20240512)
    alphabet = "0123456789      --+@.:ABCLVUSankaÅäöPerBo" + "gatan vägen Anna Storgatan 070 +46 "
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(200)))
        findings = find(text)
        _assert_well_formed(text, findings)
        assert "".join(piece for piece, _ in segments(text, findings)) == text


# ------------------------------------------------------------------- segments


def test_segments_round_trip() -> None:
    findings = find(PARAGRAPH)
    pieces = segments(PARAGRAPH, findings)
    assert "".join(piece for piece, _ in pieces) == PARAGRAPH
    assert [(piece, kind) for piece, kind in pieces if kind is not None] == [
        (f.text, f.kind) for f in findings
    ]
    assert all(piece for piece, _ in pieces)
    assert all(a[1] is not None or b[1] is not None for a, b in zip(pieces, pieces[1:], strict=False))


SEGMENTS = [
    ("", []),
    ("inget här", [("inget här", None)]),
    ("ABC 123", [("ABC 123", Kind.PLATE)]),
    ("ABC 123 och Anna", [("ABC 123", Kind.PLATE), (" och ", None), ("Anna", Kind.NAME)]),
]


@pytest.mark.parametrize(("text", "expected"), SEGMENTS)
def test_segments(text: str, expected: list[tuple[str, Kind | None]]) -> None:
    assert segments(text, find(text)) == expected
    assert segments(text, list(reversed(find(text)))) == expected


BAD_FINDINGS = [
    ("overlapping", [Finding(Kind.NAME, 0, 4, "Anna"), Finding(Kind.NAME, 2, 6, "na S")]),
    ("from another text", [Finding(Kind.NAME, 0, 4, "Sara")]),
    ("past the end", [Finding(Kind.NAME, 10, 14, "Anna")]),
    ("empty", [Finding(Kind.NAME, 2, 2, "")]),
    ("end past the text", [Finding(Kind.NAME, 0, 99, "Anna Svensson")]),
]


@pytest.mark.parametrize(("why", "findings"), BAD_FINDINGS)
def test_segments_rejects_findings_not_of_this_text(why: str, findings: list[Finding]) -> None:
    with pytest.raises(ValueError):
        segments("Anna Svensson", findings)
