"""Routes of /moderation/forum: the queue of pending and flagged posts, and the forum's settings."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...db import db_session
from ...forum import moderation, pii, reach
from ...forum.models import Moderation, WordAction
from ...pages import Page, form_page
from .. import bp
from ..auth import admin_required, current_user
from ..forms import ActionForm
from .forms import BoardForm, GateForm, RedactForm, RedactThreadForm, RejectForm, WordForm


def _queue_page(refused: tuple[int, RejectForm] | None = None) -> tuple[str, int]:
    """The queue; ``refused`` a post's refusal whose reason was not accepted, shown again with
    what was typed and why (400), so that a long reason is not lost."""
    return render_template(
        "moderation/forum_queue.html",
        items=moderation.queue(db_session(), current_user()),
        refused_post_id=refused[0] if refused else None,
        reject_form=refused[1] if refused else RejectForm(formdata=None),
        action_form=ActionForm(formdata=None),
    ), (400 if refused else 200)


@bp.get("/forum")
def forum_queue() -> Page:
    return _queue_page()


def _done(action: Callable[[], None], message: str) -> Response:
    try:
        action()
    except moderation.ForumItemNotFound:
        abort(404)
    flash(message, "info")
    return redirect(url_for("moderation.forum_queue"), code=303)


def _valid(form: ActionForm) -> None:
    if not form.validate_on_submit():
        abort(400)


@bp.post("/forum/posts/<int:post_id>/approve")
def forum_approve(post_id: int) -> Response:
    _valid(ActionForm())
    return _done(
        lambda: moderation.approve(db_session(), post_id, current_user()), _("The post is published.")
    )


@bp.post("/forum/posts/<int:post_id>/reject")
def forum_reject(post_id: int) -> Page:
    form = RejectForm()
    if not form.validate_on_submit():
        return _queue_page(refused=(post_id, form))
    return _done(
        lambda: moderation.reject(db_session(), post_id, form.reason.data or "", current_user()),
        _("The post is not published."),
    )


@bp.route("/forum/posts/<int:post_id>/redact", methods=["GET", "POST"])
def forum_redact(post_id: int) -> Page:
    try:
        post = moderation.post(db_session(), post_id, current_user())
    except moderation.ForumItemNotFound:
        abort(404)
    form = (
        RedactThreadForm(body=post.body, title=post.thread.title)
        if post.seq == 1
        else RedactForm(body=post.body)
    )
    if form.validate_on_submit():
        title = form.title.data or "" if isinstance(form, RedactThreadForm) else None
        return _done(
            lambda: moderation.redact(
                db_session(), post_id, form.body.data or "", current_user(), title=title
            ),
            _("The edited post is published and marked as edited by a moderator."),
        )
    # What may identify someone, marked in the post as it was written (the field holds the edit).
    findings = pii.find(post.body)
    return form_page(
        "moderation/forum_redact.html",
        form,
        post=post,
        findings=findings,
        title_findings=moderation.title_findings(post),
    )


def _thread_action(thread_id: int, locked: bool | None = None, hidden: bool | None = None) -> Response:
    _valid(ActionForm())
    return _done(
        lambda: moderation.set_thread(db_session(), thread_id, current_user(), locked=locked, hidden=hidden),
        _("The thread has been changed."),
    )


@bp.post("/forum/threads/<int:thread_id>/lock")
def forum_lock(thread_id: int) -> Response:
    return _thread_action(thread_id, locked=True)


@bp.post("/forum/threads/<int:thread_id>/unlock")
def forum_unlock(thread_id: int) -> Response:
    return _thread_action(thread_id, locked=False)


@bp.post("/forum/threads/<int:thread_id>/hide")
def forum_hide(thread_id: int) -> Response:
    return _thread_action(thread_id, hidden=True)


@bp.post("/forum/threads/<int:thread_id>/show")
def forum_show(thread_id: int) -> Response:
    return _thread_action(thread_id, hidden=False)


def _settings_page(
    status: int = 200,
    word_form: WordForm | None = None,
    gate_form: GateForm | None = None,
    refused_board: tuple[int, BoardForm] | None = None,
) -> tuple[str, int]:
    db = db_session()
    refused_id, refused_form = refused_board or (0, None)
    boards = [
        (
            b,
            refused_form
            if b.id == refused_id
            else BoardForm(prefix=f"board{b.id}", formdata=None, obj=b, data=BoardForm.data_of(b)),
        )
        for b in moderation.boards(db, current_user())
    ]
    return render_template(
        "moderation/forum_settings.html",
        words=moderation.words(db, current_user()),
        word_form=word_form or WordForm(formdata=None),
        gate_form=gate_form or GateForm(formdata=None),
        boards=boards,
        action_form=ActionForm(formdata=None),
        gate_on=moderation.gate_on(db, current_user()),
    ), status


@bp.get("/forum/settings")
@admin_required
def forum_settings() -> Page:
    return _settings_page()


@bp.post("/forum/settings/words")
@admin_required
def forum_word_add() -> Page:
    form = WordForm()
    if not form.validate_on_submit():
        return _settings_page(400, word_form=form)
    return _done_settings(
        lambda: moderation.add_word(
            db_session(), form.word.data or "", WordAction(form.action.data), current_user()
        )
    )


@bp.post("/forum/settings/gate")
@admin_required
def forum_gate() -> Page:
    form = GateForm()
    if not form.validate_on_submit():
        return _settings_page(400, gate_form=form)
    return _done_settings(
        lambda: moderation.set_gate(db_session(), form.passphrase.data or None, current_user())
    )


@bp.post("/forum/settings/boards/<int:board_id>")
@admin_required
def forum_board(board_id: int) -> Page:
    if not reach.may_moderate(db_session(), current_user(), board_id):
        abort(404)  # another organisation's board: not even its form's errors
    form = BoardForm(prefix=f"board{board_id}")
    if not form.validate_on_submit():
        return _settings_page(400, refused_board=(board_id, form))
    return _done_settings(
        lambda: moderation.update_board(
            db_session(),
            board_id,
            current_user(),
            form.names(),
            Moderation(form.moderation.data),
            int(form.slow_mode_seconds.data or 0),
        )
    )


@bp.post("/forum/settings/words/<int:word_id>/remove")
@admin_required
def forum_word_remove(word_id: int) -> Page:
    _valid(ActionForm())
    return _done_settings(lambda: moderation.remove_word(db_session(), word_id, current_user()))


def _done_settings(action: Callable[[], None]) -> Response:
    try:
        action()
    except moderation.ForumItemNotFound:
        abort(404)
    flash(_("Saved."), "info")
    return redirect(url_for("moderation.forum_settings"), code=303)
