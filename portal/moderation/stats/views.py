"""Routes of /moderation/stats: the statistics page and its CSV export (moderators and admins)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response as FlaskResponse
from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ...db import db_session
from ...domain import moderator_label, today
from ...installation import current_config
from ...pages import Page
from .. import bp
from ..auth import current_user
from . import service as stats
from . import spreadsheet
from .cell_key import PerturbedTable
from .charts import Bar, bar_chart, column_chart
from .forms import StatsForm
from .service import Period, Published, Statistics, StatsFilter, add_months, published_range

Figures = tuple[int | None, ...]  # a table's published figures, None where suppressed

PERIOD_TITLES = {
    Period.MONTH: _l("Reports per month"),
    Period.QUARTER: _l("Reports per quarter"),
    Period.YEAR: _l("Reports per year"),
}


# What stands for a suppressed figure, small or hidden with a small one: one word for both, since
# telling them apart ("<5" beside "hidden") would narrow what the totals leave open (a row of 6
# with one "<5" and one "hidden" is 1 + 5), and "<5" on a hidden 6 would be untrue.
HIDDEN = _l("hidden")


def _mark(result: Statistics) -> str:
    return str(HIDDEN)


def range_text(result: Statistics | Published) -> str:
    return range_words(result.filter, result.by_category.columns)


def range_words(f: StatsFilter, columns: Sequence[str]) -> str:
    """What the figures count: the first and last period, and the kind."""
    return str(
        _(
            "Received %(first)s to %(last)s; %(kind)s.",
            first=columns[0],
            last=columns[-1],
            kind=moderator_label(f.kind) if f.kind else _("all kinds"),
        )
    )


def _charts(result: Statistics) -> dict[str, Markup]:
    """A chart of the period totals, and one of each table's row totals."""
    mark = _mark(result)
    in_rows = str(
        _(
            "The figures are the Total column of the table below. A suppressed figure has no bar: %(mark)s.",
            mark=mark,
        )
    )

    def chart(chart_id: str, title: str, description: str, names: tuple[str, ...], values: Figures) -> Markup:
        bars = [Bar(name, value) for name, value in zip(names, values, strict=True)]
        return bar_chart(chart_id, title, description, bars, mark)

    by_category, by_area = result.by_category, result.by_area
    trend = [
        Bar(name, value) for name, value in zip(by_category.columns, by_category.column_totals, strict=True)
    ]
    return {
        "periods": column_chart(
            "chart-periods", str(PERIOD_TITLES[result.filter.period]), _trend_words(trend, mark), trend, mark
        ),
        "categories": chart(
            "chart-categories", _("Reports by category"), in_rows, by_category.rows, by_category.row_totals
        ),
        "areas": chart(
            "chart-areas", _("Reports by area of work"), in_rows, by_area.rows, by_area.row_totals
        ),
    }


def _trend_words(trend: Sequence[Bar], mark: str) -> str:
    """The chart's text alternative: what it shows, oldest first, with every figure."""
    figures = "; ".join(f"{bar.label}: {mark if bar.value is None else bar.value}" for bar in trend)
    return str(
        _(
            "Reports received per period, oldest on the left: %(figures)s. The same figures are the "
            "Total row of the tables below.",
            figures=figures,
        )
    )


def running_note(f: StatsFilter) -> str | None:
    """A sentence for a range that holds a period still running: it grows, and is not exported."""
    published = published_range(f, today())
    if published is None:
        return str(
            _(
                "The period shown is still running: its figures grow until it is over, and it can be "
                "exported as CSV once it is."
            )
        )
    if published.end == f.end:
        return None
    return str(
        _(
            "The last period shown is still running: its figures grow until it is over. The CSV ends "
            "before it, in %(month)s.",
            month=f"{add_months(published.end, -1):%Y-%m}",
        )
    )


def exported_filter() -> tuple[StatsForm, StatsFilter | None]:
    """The filter for figures that leave the portal: complete periods only (``published_range``)."""
    form, f = filter_from_request()
    if f is None:
        return form, None
    published = published_range(f, today())
    if published is None:
        form.date_to.errors = [
            str(_("A period still running is exported once it is over: choose a range that ends before it."))
        ]
    return form, published


def filter_from_request() -> tuple[StatsForm, StatsFilter | None]:
    form = StatsForm(formdata=request.args)
    return form, form.to_filter(today()) if form.validate_range(today()) else None


def refused(form: StatsForm) -> tuple[str, int]:
    """Bad filters: the page with what to correct, and nothing counted."""
    return render_template("moderation/stats.html", form=form, result=None), 400


def link_args(f: StatsFilter) -> dict[str, str]:
    """The filter as shown, so that the CSV holds the same figures even if "today" moves on."""
    return {
        "period": f.period.value,
        "date_from": f"{f.first_month:%Y-%m}",
        "date_to": f"{f.last_month:%Y-%m}",
        "kind": f.kind.value if f.kind else "",
    }


@bp.get("/stats")
def stats_page() -> Page:
    form, f = filter_from_request()
    if f is None:
        return refused(form)
    result = stats.build(db_session(), f, current_config().stats_threshold)
    return render_template(
        "moderation/stats.html",
        form=form,
        result=result,
        charts=_charts(result),
        period_title=PERIOD_TITLES[f.period],
        summary=range_text(result),
        note=_suppression_note(result),
        which=_(
            "These tables are exact, with small figures suppressed: for moderators only. The CSV "
            "holds perturbed figures instead, which are safe to pass on."
        ),
        mark=_mark(result),
        running=running_note(f),
        exportable=published_range(f, today()) is not None,
        csv_args=link_args(f),
    )


def _csv_rows(table: PerturbedTable, heading: str) -> list[list[str]]:
    total = _("Total")
    header = [heading, *table.columns, total]
    body = [
        [name, *map(str, line), str(line_total)]
        for name, line, line_total in zip(table.rows, table.cells, table.row_totals, strict=True)
    ]
    return [header, *body, [total, *map(str, table.column_totals), str(table.total)]]


def _csv(result: Published) -> str:
    """A line saying what the figures are, both tables one below the other, and a note at the end."""
    rows: list[list[str]] = [[_perturbed_note(result.threshold)], [range_text(result)]]
    for table, heading in ((result.by_category, _("Category")), (result.by_area, _("Area of work"))):
        rows += [[], *_csv_rows(table, heading)]
    rows += [[], [_totals_note()]]
    return spreadsheet.text(rows)


def _perturbed_note(threshold: int) -> str:
    return str(
        _(
            "Perturbed figures, safe to pass on: every figure is changed slightly, the same way each time "
            "it is asked for, and no figure from 1 to %(below)d is ever shown, so tables over overlapping "
            "ranges cannot be subtracted to reveal a small one.",
            below=threshold - 1,
        )
    )


def _totals_note() -> str:
    return str(
        _(
            "Every total is the sum of the perturbed figures it adds up, so it is not the exact total, and the two "
            "tables may show different totals. The exact figures are on the statistics page, for moderators only."
        )
    )


def _suppression_note(result: Statistics) -> str:
    return str(
        _(
            "%(mark)s: not shown. Either fewer than %(threshold)d reports, or a larger figure hidden with such "
            "a one so that it cannot be worked out from the totals. The two look alike on purpose: telling "
            "them apart would give some of them away.",
            mark=_mark(result),
            threshold=result.by_category.threshold,
        )
    )


@bp.get("/stats.csv")
def stats_csv() -> Page:
    form, f = exported_filter()
    if f is None:
        return refused(form)
    db = db_session()
    result = stats.build_published(db, f, current_config().stats_threshold)
    stats.record_export(db, f, current_user())
    return csv_attachment(result, f"statistics_{f.describe()}.csv")


def csv_attachment(result: Published, filename: str) -> FlaskResponse:
    return spreadsheet.attachment(_csv(result), filename)
