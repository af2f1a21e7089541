"""One name per report field: the form's field, the Submission's attribute and Report's column."""

from __future__ import annotations

from flask import Flask

from portal.models import Report
from portal.reporting.forms import ReportForm
from portal.reporting.service import Submission


def test_every_answer_is_a_form_field_and_a_column_of_the_same_name(app: Flask) -> None:
    with app.test_request_context():
        form_fields = set(ReportForm(meta={"csrf": False}).data)
    answers = set(Submission.answers())
    assert {"reported_to_police", "wants_acknowledgement"} <= answers
    assert answers <= form_fields
    assert answers <= set(Report.__table__.columns.keys())
