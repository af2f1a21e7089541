"""The reporter's answers to minutes and meeting offers (issue 15, part 1): plain forms, one per
entry of the dialogue, that work without JavaScript. The URLs carry no ids: the entry's number in
the form names an entry of the session's own case only."""

from __future__ import annotations

from typing import cast

from flask import abort, flash, redirect, session, url_for
from flask_babel import gettext as _

from .. import reporter_address, submissions
from ..db import db_session
from ..pages import Page
from ..security.codes import CodeNotFound
from ..security.sessions import ServerSideSession
from . import answers, bp
from .forms import Answer, ApproveMinutesForm, CorrectionForm, MeetingAnswerForm
from .reply_views import REPLIES
from .views import case_keys, show_case


def _limited(form: Answer, slot: str) -> Page | None:
    """The case page again, the answer (and a correction's text) kept, with the time to send it
    again, when the reporter's writes of the hour are spent (they count with the replies)."""
    reached = REPLIES.reached()
    if reached is None:
        return None
    form.seq.errors = [submissions.limited(reached)]
    return show_case(submissions.LIMITED_STATUS, **{slot: form})


def _refused(form: Answer, slot: str, refused: Exception) -> Page:
    """The case page again, with one sentence beside the answer that was refused (or at the top,
    when the entry it names is not on the page)."""
    if isinstance(refused, CodeNotFound):  # the case was erased while the reporter was logged in
        cast(ServerSideSession, session).destroy()
        abort(404)
    if isinstance(refused, answers.NoSuchEntry):
        flash(_("This entry could not be found. Reload the page and try again."), "error")
    elif isinstance(refused, answers.AlreadyAnswered):
        form.seq.errors = [
            _("You have answered this already. Write a message if you want to change your answer.")
        ]
    else:
        form.seq.errors = [_("Your correction has only spaces or line breaks. Write what should be changed.")]
    return show_case(400, **{slot: form})


@reporter_address.route(bp, "/followup/minutes/approve", methods=["POST"])
def approve_minutes() -> Page:
    report_id, _key = case_keys()
    form = ApproveMinutesForm()
    if not form.validate_on_submit():
        return show_case(400, approve_form=form)
    limited = _limited(form, "approve_form")
    if limited is not None:
        return limited
    try:
        answers.approve_minutes(db_session(), report_id, form.entry())
    except (answers.NoSuchEntry, answers.AlreadyAnswered, CodeNotFound) as refused:
        return _refused(form, "approve_form", refused)
    REPLIES.count()
    flash(_("Thank you. The moderators can see that you have approved the minutes."), "info")
    return redirect(url_for("reporting.case"), code=303)


@reporter_address.route(bp, "/followup/minutes/correct", methods=["POST"])
def correct_minutes() -> Page:
    report_id, key = case_keys()
    form = CorrectionForm()
    if not form.validate_on_submit():
        return show_case(400, correction_form=form)
    limited = _limited(form, "correction_form")
    if limited is not None:
        return limited
    try:
        answers.correct_minutes(db_session(), report_id, key, form.entry(), form.correction.data or "")
    except (answers.NoSuchEntry, answers.AlreadyAnswered, answers.NothingToSend, CodeNotFound) as refused:
        return _refused(form, "correction_form", refused)
    REPLIES.count()
    flash(_("Your correction has been sent to the moderators."), "info")
    return redirect(url_for("reporting.case"), code=303)


@reporter_address.route(bp, "/followup/meeting/answer", methods=["POST"])
def answer_meeting() -> Page:
    report_id, _key = case_keys()
    form = MeetingAnswerForm()
    if not form.validate_on_submit():
        return show_case(400, meeting_answer_form=form)
    limited = _limited(form, "meeting_answer_form")
    if limited is not None:
        return limited
    accept = form.answer.data == "accept"
    try:
        answers.answer_meeting(db_session(), report_id, form.entry(), accept)
    except (answers.NoSuchEntry, answers.AlreadyAnswered, CodeNotFound) as refused:
        return _refused(form, "meeting_answer_form", refused)
    REPLIES.count()
    if accept:
        flash(_("You have accepted the meeting. The moderators can see your answer."), "info")
    else:
        flash(_("You have declined the meeting. You can write why, or suggest another time, below."), "info")
    return redirect(url_for("reporting.case"), code=303)
