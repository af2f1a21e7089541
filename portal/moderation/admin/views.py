"""Admin pages of /moderation: accounts, the audit log (read only) and quick-reply templates."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ... import enrolment as enrolment_links
from ...accounts import grants
from ...accounts import service as accounts
from ...cases import access_jobs
from ...db import db_session, utcnow
from ...forum import reach, sharing
from ...i18n import LANGUAGE_NAMES
from ...ids import MAX_ID
from ...models import ReplyTemplate, User
from ...pages import Page, form_page
from .. import bp, granting
from ..auth import admin_required, current_user, org_key
from ..forms import ActionForm
from . import audit_log
from . import reply_templates as quick_replies
from .forms import AuditFilterForm, DeleteTemplateForm, NotifyForm, TemplateForm

M = TypeVar("M", User, ReplyTemplate)


def _row(model: type[M], ident: int) -> M:
    row = db_session().get(model, ident) if ident <= MAX_ID else None
    if row is None:
        abort(404)
    return row


def _posted() -> None:
    # CSRFProtect has checked the token already; this keeps the views honest if it is ever off.
    if not ActionForm().validate_on_submit():
        abort(400)


def _to(endpoint: str) -> Response:
    return redirect(url_for(endpoint), code=303)


def _notify_form(user: User) -> NotifyForm:
    # One form per row: the prefix keeps ids, and so the labels' targets, unique on the page.
    return NotifyForm(formdata=None, prefix=f"u{user.id}", email=user.notify_email or "")


def _users_page(status: int = 200, failed: NotifyForm | None = None, failed_id: int = 0) -> tuple[str, int]:
    db = db_session()
    people = accounts.all_users(db)
    return render_template(
        "moderation/users.html",
        users=people,
        notify_forms={u.id: failed if u.id == failed_id and failed else _notify_form(u) for u in people},
        failed=failed,
        waiting=grants.awaiting_grant(db),
        invitations=enrolment_links.invitations(db, organisation_id(), utcnow()),
        jobs=_access_jobs(db),
        me=current_user(),
        has_key=org_key() is not None,
        action=ActionForm(),
        shares_boards=reach.shares_boards(db, current_user().organisation_id),
    ), status


def organisation_id() -> int:
    organisation_id = current_user().organisation_id
    assert organisation_id is not None  # an admin belongs to an organisation
    return organisation_id


def _access_jobs(db: Session) -> list[access_jobs.Progress]:
    """The organisation's access jobs; one that stopped (its process ended) goes on from here."""
    organisation = organisation_id()
    key = org_key()
    if key is not None:
        access_jobs.resume(db, organisation, key)
    return access_jobs.progress(db, organisation)


def _refused(message: str) -> tuple[str, int]:
    flash(message, "error")
    return _users_page(400)


@bp.get("/users")
@admin_required
def users() -> Page:
    return _users_page()


@bp.post("/users/<int:user_id>/disable")
@admin_required
def disable_user(user_id: int) -> Page:
    _posted()
    user = _row(User, user_id)
    try:
        accounts.admin_disable(db_session(), user, current_user())
    except accounts.SelfChange:
        return _refused(_("You cannot disable your own account. Ask another administrator to do it."))
    flash(_("%(name)s is disabled and has been logged out.", name=user.username), "info")
    return _to("moderation.users")


@bp.post("/users/<int:user_id>/access")
@admin_required
def grant_access(user_id: int) -> Page:
    """The dashboard's grant button, from the users page (same service, back to this page)."""
    _posted()
    if not granting.grant(_row(User, user_id)):
        return _users_page(400)
    return _to("moderation.users")


@bp.post("/users/<int:user_id>/shared-boards")
@admin_required
def appoint_shared(user_id: int) -> Page:
    """Appoint a moderator of the organisation for the boards it shares (``appoint=on``), or
    withdraw it (anything else)."""
    _posted()
    user = _row(User, user_id)
    on = request.form.get("appoint") == "on"
    sharing.appoint(db_session(), user, on, current_user())
    if on:
        flash(_("%(name)s now moderates the shared forum boards.", name=user.username), "info")
    else:
        flash(_("%(name)s no longer moderates the shared forum boards.", name=user.username), "info")
    return _to("moderation.users")


@bp.post("/users/<int:user_id>/notify")
@admin_required
def set_notify(user_id: int) -> Page:
    user = _row(User, user_id)
    form = NotifyForm(prefix=f"u{user.id}")
    if form.validate_on_submit():
        try:
            accounts.set_notify_email(db_session(), user, form.email.data, current_user())
        except accounts.InvalidEmail:
            form.email.errors = [_("Enter an e-mail address such as name@example.se.")]
        else:
            if user.notify_email:
                flash(
                    _(
                        "Notices for %(name)s go to %(address)s.",
                        name=user.username,
                        address=user.notify_email,
                    ),
                    "info",
                )
            else:
                flash(_("%(name)s gets no e-mail notices.", name=user.username), "info")
            return _to("moderation.users")
    return _users_page(400, form, user.id)


@bp.get("/audit")
@admin_required
def audit() -> str:
    db = db_session()
    form = AuditFilterForm(formdata=request.args)
    form.set_choices(audit_log.areas(), audit_log.actors(db))
    form.validate()
    result = audit_log.page(db, form.to_filter(audit_log.parse_cursor(request.args.get("before"))))
    next_args = {**request.args.to_dict(), "before": result.next_cursor} if result.next_cursor else None
    rows = audit_log.in_words(db, result.items)
    return render_template("moderation/audit.html", form=form, rows=rows, next_args=next_args)


@bp.get("/templates")
@admin_required
def reply_templates() -> str:
    rows = list(db_session().scalars(select(ReplyTemplate).order_by(ReplyTemplate.title, ReplyTemplate.id)))
    by_language = {code: [t for t in rows if t.language == code] for code in LANGUAGE_NAMES}
    return render_template("moderation/templates.html", by_language=by_language, names=LANGUAGE_NAMES)


def _save_template(template: ReplyTemplate, form: TemplateForm) -> Response:
    quick_replies.save(
        db_session(),
        template,
        form.language.data or "",
        form.title.data or "",
        form.body.data or "",
        current_user(),
    )
    flash(_("The template “%(title)s” has been saved.", title=template.title), "info")
    return _to("moderation.reply_templates")


def _template_page(form: TemplateForm, template: ReplyTemplate | None, **extra: Any) -> tuple[str, int]:
    return form_page("moderation/admin_template.html", form, reply=template, **extra)


@bp.route("/templates/new", methods=["GET", "POST"])
@admin_required
def new_template() -> Page:
    form = TemplateForm()
    if form.validate_on_submit():
        return _save_template(ReplyTemplate(organisation_id=current_user().organisation_id), form)
    return _template_page(form, None)


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_template(template_id: int) -> Page:
    template = _row(ReplyTemplate, template_id)
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        return _save_template(template, form)
    return _template_page(form, template, delete_form=DeleteTemplateForm(formdata=None))


@bp.post("/templates/<int:template_id>/delete")
@admin_required
def delete_template(template_id: int) -> Page:
    template = _row(ReplyTemplate, template_id)
    form = DeleteTemplateForm()
    if not form.validate_on_submit():
        return _template_page(
            TemplateForm(formdata=None, obj=template), template, status=400, delete_form=form
        )
    quick_replies.delete(db_session(), template, current_user())
    flash(_("The template “%(title)s” has been deleted.", title=template.title), "info")
    return _to("moderation.reply_templates")
