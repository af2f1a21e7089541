"""The statistics page and its CSV: counts by category, area and period, small counts suppressed so
that nothing hidden can be worked out again, for logged-in moderators only."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert
from sqlalchemy.orm import Session

from portal import organisations
from portal.domain import Area, Category, Kind, Status, today
from portal.models import Report
from portal.moderation.stats.linked import recoverable_linked
from portal.moderation.stats.service import add_months, month_start
from portal.moderation.stats.suppression import SuppressedTable, recoverable
from tests.accounts import Account, AuthActions, make_account
from tests.differencing import Figure, Key, Row, narrow
from tests.moderation_helpers import events

# (year, month, category, area, how many): reports received that month.
Batch = tuple[int, int, Category | None, Area | None, int]


def _add(app: Flask, batches: list[Batch], kind: Kind = Kind.INFLUENCE) -> None:
    rows = [
        {
            "lookup": secrets.token_bytes(32),
            "kind": kind,
            "category": category,
            "area": area,
            "status": Status.NEW,
            "reporter_seen_status": Status.NEW,
            "created_on": dt.date(year, month, 1 + n % 28),
            "key_sealed": b"sealed",
            "key_wrapped": b"wrapped",
            "description": b"ciphertext",
        }
        for year, month, category, area, number in batches
        for n in range(number)
    ]
    with Session(app.extensions["portal.engine"]) as db:
        organisation_id = organisations.only(db).id
        db.execute(insert(Report), [{**row, "organisation_id": organisation_id} for row in rows])
        db.commit()


def _moderator(app: Flask, client: FlaskClient) -> Account:
    """A moderator (not an admin: the page is for both), logged in; the admin fixture came first."""
    account = make_account(app, "moderator")
    assert AuthActions(client).login(account).status_code == 302
    return account


def _sections(body: str) -> list[list[list[str]]]:
    """The CSV's blocks, split at empty rows: title, category table, area table, note."""
    blocks: list[list[list[str]]] = [[]]
    for row in csv.reader(io.StringIO(body), delimiter=";"):
        if row:
            blocks[-1].append(row)
        else:
            blocks.append([])
    return blocks


def _table(block: list[list[str]], mark: str = "hidden") -> SuppressedTable:
    """A CSV block read back as a published table: the mark becomes None."""

    def figure(text: str) -> int | None:
        return None if text == mark else int(text)

    header, *body, total = block
    return SuppressedTable(
        rows=tuple(line[0] for line in body),
        columns=tuple(header[1:-1]),
        cells=tuple(tuple(figure(text) for text in line[1:-1]) for line in body),
        row_totals=tuple(figure(line[-1]) for line in body),
        column_totals=tuple(figure(text) for text in total[1:-1]),
        total=figure(total[-1]),
    )


def _page_tables(html: str) -> list[list[list[str]]]:
    """The page's tables as blocks of text rows, like the CSV's: header, body, total row."""
    blocks = []
    for table in re.findall(r"<table.*?</table>", html, re.S):
        header = [text.strip() for text in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)]
        lines = [
            [
                name.strip(),
                *(cell.strip().replace("&lt;", "<") for cell in re.findall(r"<td[^>]*>([^<]*)</td>", row)),
            ]
            for name, row in re.findall(r'<tr>\s*<th scope="row">([^<]*)</th>(.*?)</tr>', table, re.S)
        ]
        blocks.append([header, *lines])
    return blocks


def _truth(batches: list[Batch], months: list[tuple[int, int]]) -> tuple[list[list[int]], list[list[int]]]:
    """The true counts, tallied here from the crafted batches, in the page's row order."""
    categories: list[Category | None] = [*Category, None]
    areas: list[Area | None] = [*Area, None]
    by_category = [[0] * len(months) for _ in categories]
    by_area = [[0] * len(months) for _ in areas]
    for year, month, category, area, number in batches:
        j = months.index((year, month))
        by_category[categories.index(category)][j] += number
        by_area[areas.index(area)][j] += number
    return by_category, by_area


# Crafted: suppressing each table on its own leaks. The category table hides February's and March's
# totals; the area table, on its own, would publish February's (9), so March's total (18 - 8 - 9 = 1)
# could be worked out, and with it March's one report (harassment, in schools).
LINKED: list[Batch] = [
    (2024, 1, Category.HARASSMENT, Area.HOUSING, 4),
    (2024, 1, Category.HARASSMENT, Area.SCHOOLS, 4),
    (2024, 2, Category.THREATS, Area.HOUSING, 3),
    (2024, 2, Category.HARASSMENT, Area.HOUSING, 2),
    (2024, 2, Category.HARASSMENT, Area.SCHOOLS, 4),
    (2024, 3, Category.HARASSMENT, Area.SCHOOLS, 1),
]
# Crafted: with only the small cells hidden, the threats' 2 would be 24 - 10 - 12 from its row total.
LEAKY: list[Batch] = [
    (2024, 1, Category.THREATS, Area.INCOME_SUPPORT, 2),
    (2024, 2, Category.THREATS, Area.HOUSING, 10),
    (2024, 3, Category.THREATS, Area.SCHOOLS, 12),
    (2024, 1, Category.VIOLENCE, Area.INCOME_SUPPORT, 8),
    (2024, 2, Category.VIOLENCE, Area.HOUSING, 9),
    (2024, 3, Category.VIOLENCE, Area.SCHOOLS, 11),
    (2024, 1, Category.BRIBERY, Area.OTHER, 7),
    (2024, 2, Category.BRIBERY, None, 6),
    (2024, 3, None, Area.OTHER, 14),
]
FIRST_QUARTER = "/moderation/stats.csv?period=month&date_from=2024-01&date_to=2024-03"


@pytest.mark.parametrize("batches", [LINKED, LEAKY], ids=["linked tables", "row total leak"])
def test_no_hidden_cell_can_be_worked_out_from_the_page(
    app: Flask, client: FlaskClient, admin: Account, batches: list[Batch]
) -> None:
    _add(app, batches)
    _moderator(app, client)
    client.set_cookie("lang", "en")
    response = client.get(FIRST_QUARTER.replace("stats.csv", "stats"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    category_block, area_block = _page_tables(html)
    by_category, by_area = _table(category_block), _table(area_block)
    assert by_category.columns == ("2024-01", "2024-02", "2024-03")
    truth = _truth(batches, [(2024, 1), (2024, 2), (2024, 3)])
    for table, counts in zip((by_category, by_area), truth, strict=True):
        published = [*table.cells, table.row_totals]
        for shown_line, line in zip(published, [*counts, [sum(line) for line in counts]], strict=True):
            for shown, value in zip(shown_line, line, strict=True):
                assert shown in (None, value)  # published figures are true
                assert not 0 < value < 5 or shown is None  # every small figure is hidden
        assert recoverable(table, counts) == []  # nothing hidden follows from this table
    assert recoverable_linked(by_category, by_area, *truth) == ([], [])  # nor from both together
    small = sum(0 < value < 5 for counts in truth for line in counts for value in line)
    assert by_category.suppressed_count + by_area.suppressed_count > small  # partners were needed
    assert "hidden: not shown. Either fewer than 5 reports, or a larger figure hidden with such a one" in html
    # A figure hidden as a partner of a small one is not called small: "<5" is nowhere.
    partners = [
        (shown, value)
        for table, counts in zip((by_category, by_area), truth, strict=True)
        for shown_line, line in zip(table.cells, counts, strict=True)
        for shown, value in zip(shown_line, line, strict=True)
        if shown is None and value >= 5
    ]
    assert partners and "&lt;5" not in html and "<5" not in html
    assert "These tables are exact, with small figures suppressed: for moderators only." in html


def test_page_for_moderators_in_both_languages(app: Flask, client: FlaskClient, admin: Account) -> None:
    _add(app, LEAKY)
    _moderator(app, client)
    assert 'href="/moderation/stats"' in client.get("/moderation/").get_data(as_text=True)
    url = "/moderation/stats?period=month&date_from=2024-01&date_to=2024-03"
    for language, words in [
        ("sv", ["Hot", "Kategori", "Verksamhetsområde", "Försörjningsstöd"]),
        ("en", ["Statistics", "Threats", "Category", "Area of work", "Reports per month"]),
    ]:
        client.set_cookie("lang", language)
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, html[:2000]
        assert f'lang="{language}"' in html
        for word in words:
            assert word in html, word
        # Three charts, each an image named by its title and description, next to the data tables.
        assert (
            len(re.findall(r'<svg [^>]*role="img" aria-labelledby="chart-\w+-title chart-\w+-desc"', html))
            == 3
        )
        assert html.count("<table") == 2 and "<script" not in html
        # The periods as a trend: a column per month, left to right, with every figure in words.
        trend = re.search(r'<desc id="chart-periods-desc">([^<]*)</desc>', html)
        assert trend and ("2024-01: 17; 2024-02: 25; 2024-03: 37." in trend.group(1))
        assert html.count('transform="rotate(-90') >= 3
        # Threats: 2 in January (hidden), 10 in February, 12 in March; the row total is 24.
        threats = re.search(r"<th scope=\"row\">(Hot|Threats)</th>(.*?)</tr>", html, re.S)
        assert threats
        figures = re.findall(r"<td[^>]*>([^<]*)</td>", threats.group(2))
        # February's 10 is hidden as the partner that keeps January's 2 from being worked out.
        assert (
            figures[:2] == ({"sv": ["dold", "dold"], "en": ["hidden", "hidden"]}[language])
            and "2" not in figures
        )
        assert "&lt;5" not in html
        assert 'width="0"' not in html  # no empty bars: zeros and suppressed figures have none
    csv_link = re.search(r'href="(/moderation/stats\.csv\?[^"]+)"', html)
    assert csv_link and "date_from=2024-01" in csv_link.group(1)


def test_csv_is_an_audited_attachment(app: Flask, client: FlaskClient, admin: Account) -> None:
    _add(app, LEAKY, kind=Kind.WHISTLEBLOWING)
    _add(app, [(2024, 2, Category.THREATS, Area.HOUSING, 40)])
    _moderator(app, client)
    client.set_cookie("lang", "en")
    response = client.get(FIRST_QUARTER + "&kind=whistleblowing")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=statistics_month_2024-01_2024-03_whistleblowing.csv"
    )
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    title, by_category, by_area, note = _sections(body.lstrip("\ufeff"))
    assert title[0][0].startswith("Perturbed figures, safe to pass on")
    assert "2024-01" in title[1][0] and "2024-03" in title[1][0]
    assert "is not the exact total" in note[0][0]
    assert by_category[0] == ["Category", "2024-01", "2024-02", "2024-03", "Total"]
    assert by_area[0][0] == "Area of work" and by_category[-1][0] == "Total"
    # 79 whistleblowing reports in 9 cells; the 40 influence reports are left out. A cell's figure lies
    # within -6 .. +4 of its count (a 6 may become 0, a 1 may become 5), and record keys are random here.
    # No figure is small, and every total is the sum of its cells.
    assert 79 - 6 * 9 <= int(by_category[-1][-1]) <= 79 + 4 * 9
    assert all(int(line[-1]) == sum(map(int, line[1:-1])) for line in by_category[1:])
    assert all(not 0 < int(text) < 5 for line in by_category[1:] for text in line[1:])
    assert events(app)[-1] == "stats:table:exported"
    assert events(app, "month_2024-01_2024-03_whistleblowing") == ["stats:table:exported"]
    client.set_cookie("lang", "sv")
    swedish = client.get(FIRST_QUARTER).get_data(as_text=True)
    assert "Kategori;2024-01" in swedish and "Hot;" in swedish


def test_quarters_years_and_the_default_range(app: Flask, client: FlaskClient, admin: Account) -> None:
    this_month = month_start(today())
    last = add_months(this_month, -1)
    _add(app, [(last.year, last.month, Category.THREATS, Area.HOUSING, 6)])
    _add(app, [(this_month.year, this_month.month, Category.THREATS, Area.HOUSING, 7)])
    _moderator(app, client)
    client.set_cookie("lang", "en")
    html = client.get("/moderation/stats").get_data(as_text=True)
    # Twelve months up to and including the month still running (issue 17, item 13).
    assert f'<th scope="col" class="num">{this_month:%Y-%m}</th>' in html
    assert f'<th scope="col" class="num">{last:%Y-%m}</th>' in html
    assert f"{add_months(this_month, -11):%Y-%m}</th>" in html
    assert f"{add_months(this_month, -12):%Y-%m}</th>" not in html
    assert re.search(
        r"<tr>\s*<th scope=\"row\">Threats</th>(\s*<td[^>]*>[^<]*</td>){11}\s*<td[^>]*>7</td>", html
    )
    assert "The last period shown is still running" in html
    quarters = client.get("/moderation/stats?period=quarter&date_from=2024-02&date_to=2024-11")
    assert quarters.status_code == 200
    headers = re.findall(r'<th scope="col" class="num">([^<]+)</th>', quarters.get_data(as_text=True))
    assert headers[:5] == ["2024 Q1", "2024 Q2", "2024 Q3", "2024 Q4", "Total"]
    years = client.get("/moderation/stats?period=year&date_from=2023-05&date_to=2024-02").get_data(
        as_text=True
    )
    assert (
        '<th scope="col" class="num">2023</th>' in years and '<th scope="col" class="num">2024</th>' in years
    )


def test_logged_out_visitors_are_refused(app: Flask, client: FlaskClient) -> None:
    _add(app, LEAKY)
    for url in ["/moderation/stats", FIRST_QUARTER]:
        response = client.get(url)
        assert response.status_code == 302 and response.location.endswith("/moderation/login")
    assert events(app) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=decade", "Not a valid choice"),
        ("date_from=2024-13", "Enter a month as year and month"),
        ("date_from=last+spring", "Enter a month as year and month"),
        ("date_to=1999-12", "Enter a month as year and month"),
        ("date_from=2024-05&date_to=2024-02", "The last month is before the first month."),
        ("date_from=2000-01&date_to=2099-12", "That is more than 36 columns."),
        ("kind=gossip", "Not a valid choice"),
        ("date_from=2024-01%00", "Enter a month as year and month"),
    ],
)
def test_bad_filters_get_a_clear_400(
    app: Flask, client: FlaskClient, admin: Account, query: str, message: str
) -> None:
    _moderator(app, client)
    client.set_cookie("lang", "en")
    for url in [f"/moderation/stats?{query}", f"/moderation/stats.csv?{query}"]:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, url
        assert response.mimetype == "text/html"
        assert 'role="alert"' in html and message in html, html[:3000]
        assert "<svg" not in html
    assert "stats:table:exported" not in events(app)


def _csv_figures(block: list[list[str]], group: str, months: list[tuple[int, ...]]) -> list[Figure]:
    """One CSV table as the attacker reads it: every CSV figure covers both kinds, so at least two units,
    and a figure p over n units means a true sum in p - 4n .. p + 6n."""
    keys = (
        [("category", c) for c in [*Category, None]]
        if group == "category"
        else [("area", a) for a in [*Area, None]]
    )
    kinds = frozenset(kind.value for kind in Kind)
    whole = tuple(m for column in months for m in column)

    def figure(row: Row, span: tuple[int, ...], text: str, rows: int = 1) -> Figure:
        value, units = int(text), len(span) * len(kinds) * rows
        assert not 0 < value < 5
        low, high = (value - 4 * units, value + 6 * units)
        return Figure(row, kinds, span, max(low, 0), high)

    _header, *body, total = block
    figures = []
    for row, line in zip(keys, body, strict=True):
        figures += [figure(row, span, text) for span, text in zip(months, line[1:-1], strict=True)]
        figures.append(figure(row, whole, line[-1]))
    figures += [
        figure(("total",), span, text, len(keys)) for span, text in zip(months, total[1:-1], strict=True)
    ]
    return figures


def test_overlapping_csvs_give_nothing_away(app: Flask, client: FlaskClient, admin: Account) -> None:
    """Six overlapping ranges of the first half-year, by month and by quarter: the same month is the same
    figure in every file, and combining them all confines no small cell below five values."""
    batches = [
        *LEAKY,
        *LINKED,
        (2024, 4, Category.THREATS, Area.HOUSING, 2),
        (2024, 6, Category.BRIBERY, None, 3),
    ]
    _add(app, batches)
    _moderator(app, client)
    client.set_cookie("lang", "en")
    seen: dict[tuple[str, str, str], str] = {}
    figures: list[Figure] = []
    for period, first, last in [
        ("month", 1, 6),
        ("month", 2, 6),
        ("month", 1, 5),
        ("month", 3, 4),
        ("quarter", 1, 6),
        ("quarter", 4, 6),
    ]:
        url = f"/moderation/stats.csv?period={period}&date_from=2024-{first:02d}&date_to=2024-{last:02d}"
        _title, by_category, by_area, _note = _sections(
            client.get(url).get_data(as_text=True).lstrip("\ufeff")
        )
        step = 1 if period == "month" else 3
        months = [tuple(range(m, m + step)) for m in range(first, last + 1, step)]
        for group, block in (("category", by_category), ("area", by_area)):
            figures += _csv_figures(block, group, months)
            if period == "month":
                for line in block[1:-1]:
                    for column, text in zip(block[0][1:-1], line[1:-1], strict=True):
                        assert seen.setdefault((group, line[0], column), text) == text
    truth_tables = _truth(batches, [(2024, m) for m in range(1, 7)])
    kinds = frozenset(kind.value for kind in Kind)
    truth: dict[Key, int] = {}
    for (group, keys), counts in zip(
        (("category", [*Category, None]), ("area", [*Area, None])), truth_tables, strict=True
    ):
        for key, counted in zip(keys, counts, strict=True):
            truth.update({((group, key), kinds, m + 1): value for m, value in enumerate(counted)})
    rows: dict[str, list[Row]] = {
        "category": [("category", c) for c in [*Category, None]],
        "area": [("area", a) for a in [*Area, None]],
    }
    bounds = narrow(figures, rows, [kind.value for kind in Kind], 6, truth)
    small = {key: value for key, value in truth.items() if 0 < value < 5}
    assert len(small) >= 8
    for key in small:
        low, high = bounds[key]
        assert high - low + 1 >= 5 and not 1 <= low <= high <= 4, (key, small[key], (low, high))


def test_csv_opens_in_swedish_excel_and_leaves_out_the_month_still_running(
    app: Flask, client: FlaskClient, admin: Account
) -> None:
    this_month = month_start(today())
    last = add_months(this_month, -1)
    _add(app, [(last.year, last.month, Category.THREATS, Area.HOUSING, 30)])
    _add(app, [(this_month.year, this_month.month, Category.THREATS, Area.HOUSING, 7)])
    _moderator(app, client)
    page = client.get("/moderation/stats").get_data(as_text=True)  # Swedish, the default range
    link = re.search(r'href="(/moderation/stats\.csv\?[^"]+)"', page)
    assert link and f"date_to={this_month:%Y-%m}" in html.unescape(link.group(1))
    assert f"CSV-filen slutar före den, med {last:%Y-%m}." in page
    response = client.get(html.unescape(link.group(1)))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    text = body.decode("utf-8-sig")
    assert "Kategori;" in text and "Försörjningsstöd;" in text and "Hot;" in text
    assert "," not in text.splitlines()[3]  # the table's lines are semicolon-separated
    _title, by_category, _by_area, _note = _sections(text)
    assert by_category[0][-2:] == [f"{last:%Y-%m}", "Totalt"]  # the running month stays home
    assert events(app, f"month_{add_months(this_month, -11):%Y-%m}_{last:%Y-%m}_all") == [
        "stats:table:exported"
    ]
    # A range of the running month alone is not exported: the form says why, nothing is counted.
    only = client.get(
        f"/moderation/stats.csv?period=month&date_from={this_month:%Y-%m}&date_to={this_month:%Y-%m}"
    )
    assert only.status_code == 400
    assert "En period som pågår exporteras först när den är slut" in only.get_data(as_text=True)
    assert events(app).count("stats:table:exported") == 1
