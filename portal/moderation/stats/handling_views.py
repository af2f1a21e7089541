"""Routes of /moderation/stats/handling: how reports are handled, as charts with tables, and
its CSV (perturbed, audited like the statistics CSV)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup

from ... import audit
from ...audit import Event
from ...db import db_session
from ...domain import today
from ...installation import current_config
from ...pages import Page
from .. import bp
from ..auth import current_user
from . import spreadsheet
from .charts import Bar, bar_chart
from .handling import TITLES, Handling, PublishedHandling, build, publish
from .handling_query import Also, Timeliness
from .service import published_range
from .views import HIDDEN, exported_filter, filter_from_request, link_args, range_words, running_note


def percent(value: float | None) -> str | None:
    return None if value is None else str(format_percent(value, "#,##0 %"))


def days_text(value: float | None) -> str | None:
    return None if value is None else str(format_decimal(value, "#,##0.#"))


def _chart(
    chart_id: str,
    title: str,
    columns: Sequence[str],
    values: Sequence[float | None],
    text: Sequence[str | None],
    mark: str,
) -> Markup:
    description = _(
        "One bar per period; the figures are in the table below. A figure that is not shown has no bar: %(mark)s.",
        mark=mark,
    )
    bars = [
        Bar(name, None if value is None else round(value), shown)
        for name, value, shown in zip(columns, values, text, strict=True)
    ]
    return bar_chart(chart_id, title, str(description), bars, mark)


def _charts(result: Handling, mark: str) -> dict[str, Markup]:
    columns = result.columns
    series: dict[str, tuple[str, list[float | None], list[str | None]]] = {}

    def share(name: str, title: str, values: Sequence[float | None]) -> None:
        series[name] = (title, [None if v is None else v * 100 for v in values], [percent(v) for v in values])

    def plain(name: str, title: str, values: Sequence[float | None], text: Sequence[str | None]) -> None:
        series[name] = (title, list(values), list(text))

    share("acknowledged-in-time", _("Share acknowledged within 7 days"), result.acknowledgement.in_time)
    plain(
        "acknowledgement-median",
        _("Median days to acknowledgement"),
        result.acknowledgement.medians,
        [days_text(v) for v in result.acknowledgement.medians],
    )
    share("feedback-in-time", _("Share with feedback within 3 months"), result.feedback.in_time)
    plain(
        "feedback-median",
        _("Median days to feedback"),
        result.feedback.medians,
        [days_text(v) for v in result.feedback.medians],
    )
    plain(
        "open",
        _("Open cases"),
        list(result.open_cases),
        [None if v is None else str(v) for v in result.open_cases],
    )
    plain(
        "urgent",
        _("Urgent cases"),
        list(result.urgent),
        [None if v is None else str(v) for v in result.urgent],
    )
    share("incident-share", _("Share also reported to the incident system"), result.incident_share)
    share("police-share", _("Share also reported to the police"), result.police_share)
    return {
        name: _chart(f"chart-{name}", title, columns, values, text, mark)
        for name, (title, values, text) in series.items()
    }


def _figure_rows(result: Handling) -> dict[str, list[tuple[str, list[str | None]]]]:
    """The rows of medians and shares, as text."""
    ack, feedback = result.acknowledgement, result.feedback
    return {
        "acknowledgement": [
            (_("Share acknowledged within 7 days, of those acknowledged"), [percent(v) for v in ack.in_time]),
            (_("Median days to acknowledgement"), [days_text(v) for v in ack.medians]),
        ],
        "feedback": [
            (
                _("Share with feedback within 3 months, of those with feedback"),
                [percent(v) for v in feedback.in_time],
            ),
            (_("Median days to feedback"), [days_text(v) for v in feedback.medians]),
        ],
    }


@bp.get("/stats/handling")
def handling_stats() -> Page:
    form, f = filter_from_request()
    if f is None:
        return render_template("moderation/stats_handling.html", form=form, result=None), 400
    threshold = current_config().stats_threshold
    result = build(db_session(), f, threshold, today())
    mark = str(HIDDEN)
    return render_template(
        "moderation/stats_handling.html",
        form=form,
        result=result,
        charts=_charts(result, mark),
        mark=mark,
        figure_rows=_figure_rows(result),
        summary=range_words(result.filter, result.columns),
        running=running_note(f),
        exportable=published_range(f, today()) is not None,
        csv_args=link_args(f),
    )


def _csv(result: PublishedHandling) -> str:
    rows: list[list[str]] = []
    rows.append(
        [
            _(
                "Perturbed figures, safe to pass on, as in the statistics CSV: every count is changed slightly, "
                "the same way each time it is asked for, and no count from 1 to %(below)d is ever shown.",
                below=result.threshold - 1,
            )
        ]
    )
    columns = next(iter(result.tables.values())).columns
    rows.append([range_words(result.filter, columns)])
    total = _("Total")
    shares = {
        "acknowledgement": (_("Share acknowledged within 7 days"), Timeliness.IN_TIME, Timeliness.LATE),
        "feedback": (_("Share with feedback within 3 months"), Timeliness.IN_TIME, Timeliness.LATE),
        "incident_system": (_("Share also reported, where known"), Also.YES, Also.NO),
        "police": (_("Share also reported, where known"), Also.YES, Also.NO),
    }
    for name, table in result.tables.items():
        rows.append([])
        rows.append([str(TITLES[name]), *table.columns, total])
        for row, line, line_total in zip(table.rows, table.cells, table.row_totals, strict=True):
            rows.append([row, *map(str, line), str(line_total)])
        rows.append([total, *map(str, table.column_totals), str(table.total)])
        if name in shares:
            words, part, rest = shares[name]
            rows.append([words, *(spreadsheet.share(v) for v in result.shares(name, part, rest)), ""])
    rows.append([])
    rows.append(
        [
            _(
                "Totals and shares are worked out from the perturbed counts. Medians are on the page only, for "
                "moderators: a median is one case's own figure, which no perturbation of counts protects."
            )
        ]
    )
    return spreadsheet.text(rows)


@bp.get("/stats/handling.csv")
def handling_stats_csv() -> Page:
    form, f = exported_filter()
    if f is None:
        return render_template("moderation/stats_handling.html", form=form, result=None), 400
    db = db_session()
    result = publish(db, f, current_config().stats_threshold, today())
    audit.record(db, Event.STATS_EXPORTED, current_user(), f"handling_{f.describe()}")
    return spreadsheet.attachment(_csv(result), f"handling_statistics_{f.describe()}.csv")
