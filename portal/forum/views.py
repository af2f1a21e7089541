"""Routes of /forum. Reading needs no account; writing passes the identification check first."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from limits import RateLimitItemPerSecond
from werkzeug.wrappers import Response

from .. import installation, submissions
from ..db import db_session
from ..domain import label
from ..ids import parse_id
from ..pages import Page, code_log_in, form_page
from ..security import failed_codes
from ..security.csrf import shows_form_again
from ..security.form_limits import Budget, FormLimit
from ..security.ratelimit import client_key, configured, limiter
from ..security.sessions import ServerSideSession, ShownOnce
from . import bp, gate, pii, service
from .forms import FlagForm, ForumCodeForm, GateForm, ReplyForm, ThreadForm
from .models import Board, FlagReason, ForumCode, Post, PostStatus

CODE_ID = "forum_code_id"
THREAD_NUMBERS = "forum_writer_numbers"
NEW_CODE = ShownOnce("forum_new_code")
# Posts are counted once received, never per POST (security/form_limits.py).
FORUM_POSTS = FormLimit("forum-post-received", Budget("limit_forum_post", client_key))
FLAGS = FormLimit("forum-flag-received", Budget("limit_forum_flag", client_key))


@bp.before_request
def require_gate() -> Response | None:
    if request.endpoint == "forum.enter_gate" or gate.passed(gate.needed(db_session(), request.view_args)):
        return None
    return redirect(url_for("forum.enter_gate", next=request.path))


@bp.app_context_processor
def forum_context() -> dict[str, Any]:
    return {
        "language": lambda: str(get_locale() or "sv"),
        "pii_segments": pii.segments,
        "finding_kinds": _kinds,
    }


def _kinds(findings: list[list[pii.Finding]]) -> str:
    """The kinds of detail found, in words, for the warning."""
    kinds = sorted({finding.kind for group in findings for finding in group})
    return ", ".join(str(label(kind)) for kind in kinds)


def _code() -> ForumCode | None:
    if "forum_code" not in g:
        code_id = session.get(CODE_ID)
        g.forum_code = db_session().get(ForumCode, code_id) if code_id else None
    code: ForumCode | None = g.forum_code
    return code


def _writer() -> service.Writer:
    numbers = session.get(THREAD_NUMBERS)
    if numbers is None:
        numbers = {}
    return service.Writer(code=_code(), thread_numbers=numbers)


def _keep_numbers(writer: service.Writer) -> None:
    if writer.code is None and writer.thread_numbers is not None:
        session[THREAD_NUMBERS] = dict(writer.thread_numbers)


SLOW_MODE_MAX_SECONDS = 60 * 60


def _slow_mode(target: Board, take: bool) -> bool:
    """Slow mode: one post per N seconds per writer on this board (address-free key).

    ``take=False`` asks whether a post may go now; ``take=True`` records one that went.
    """
    if target.slow_mode_seconds <= 0:
        return True
    # Boards set before slow mode was capped at an hour (docs/keys.md) count as an hour.
    item = RateLimitItemPerSecond(1, min(target.slow_mode_seconds, SLOW_MODE_MAX_SECONDS))
    keys = ("forum-slow", client_key(), str(target.id))
    return limiter.limiter.hit(item, *keys) if take else limiter.limiter.test(item, *keys)


@bp.get("/")
def index() -> str:
    return render_template("forum/index.html", boards=service.boards(db_session()))


def _board(slug: str) -> Board:
    found = service.board(db_session(), slug)
    if found is None:
        abort(404)
    return found


@bp.get("/<slug>")
def board(slug: str) -> str:
    found = _board(slug)
    return render_template("forum/board.html", board=found, threads=service.threads(db_session(), found.id))


def _findings(*texts: str) -> list[list[pii.Finding]]:
    return [pii.find(text) for text in texts]


def _posted(post: Post) -> Response:
    if post.status is PostStatus.APPROVED:
        flash(_("Your post is published."), "info")
        return redirect(url_for("forum.thread", token=post.thread.token), code=303)
    flash(_("Thank you. Your post will be published when a moderator has read it."), "info")
    if post.code_id is None and post.seq == 1:
        # A new thread waiting for a moderator: only a forum code could show it to its writer.
        return redirect(url_for("forum.board", slug=post.thread.board.slug), code=303)
    return redirect(url_for("forum.thread", token=post.thread.token), code=303)


@bp.route("/<slug>/new", methods=["GET", "POST"])
@shows_form_again
def new_thread(slug: str) -> Page:
    target = _board(slug)
    form = ThreadForm()
    if form.validate_on_submit():
        title, body = form.title.data or "", form.body.data or ""
        findings = _findings(title, body)
        if any(findings) and request.form.get("action") != "send":
            return form_page("forum/new_thread.html", form, status=200, board=target, findings=findings)
        if not _slow_mode(target, take=False):
            flash(_("This board is in slow mode. Wait a moment and send again."), "error")
            return form_page("forum/new_thread.html", form, status=429, board=target, findings=None)
        writer = _writer()
        try:
            submissions.admit(FORUM_POSTS, submissions.POST_RECEIVED)
            post = service.create_thread(db_session(), target, title, body, writer)
        except submissions.Refused as refused:
            form.form_errors.append(refused.sentence)
            return form_page(
                "forum/new_thread.html", form, status=refused.status, board=target, findings=None
            )
        except service.Blocked:
            form.body.errors = [
                _("The post contains a word this forum does not allow. Rewrite it and try again.")
            ]
        else:
            FORUM_POSTS.count()
            _keep_numbers(writer)
            _slow_mode(target, take=True)
            return _posted(post)
    return form_page("forum/new_thread.html", form, board=target, findings=None)


def _thread_page(
    token: str, form: ReplyForm | None = None, findings: list[Any] | None = None, status: int = 200
) -> tuple[str, int]:
    code = _code()
    after = parse_id(request.args.get("after")) or 0
    page = service.thread_page(db_session(), token, code.id if code else None, after)
    if page is None or (not page.posts and not page.own_pending and page.thread.approved_posts == 0):
        abort(404)
    reply_form = form or ReplyForm(formdata=None)
    return render_template("forum/thread.html", page=page, form=reply_form, findings=findings), status


# Threads are named by an opaque token, posts by their number in the thread: never by a global
# id (issue 13 item 8). The old /forum/t/<int> URLs answer 404 on purpose: a redirect from an
# integer would let anyone walk the integers and read the order of writing again.
@bp.get("/t/<token>")
def thread(token: str) -> Page:
    return _thread_page(token)


@bp.post("/t/<token>/reply")
@shows_form_again
def reply(token: str) -> Page:
    found = service.open_thread(db_session(), token)
    if found is None:
        abort(404)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _thread_page(token, form, status=400)
    findings = _findings(form.body.data or "")
    if any(findings) and request.form.get("action") != "send":
        return _thread_page(token, form, findings)
    if not _slow_mode(found.board, take=False):
        flash(_("This board is in slow mode. Wait a moment and send again."), "error")
        return _thread_page(token, form, status=429)
    writer = _writer()
    try:
        submissions.admit(FORUM_POSTS, submissions.POST_RECEIVED)
        post = service.reply(db_session(), found, form.body.data or "", writer)
    except submissions.Refused as refused:
        form.form_errors.append(refused.sentence)
        return _thread_page(token, form, status=refused.status)
    except service.ThreadClosed:
        flash(_("This thread is locked: no new replies."), "error")
        return _thread_page(token, form, status=403)
    except service.Blocked:
        form.body.errors = [
            _("The post contains a word this forum does not allow. Rewrite it and try again.")
        ]
        return _thread_page(token, form, status=400)
    FORUM_POSTS.count()
    _keep_numbers(writer)
    _slow_mode(found.board, take=True)
    return _posted(post)


@bp.route("/t/<token>/<int:number>/flag", methods=["GET", "POST"])
@shows_form_again
def flag(token: str, number: int) -> Page:
    found = service.open_thread(db_session(), token)
    post = service.published_post(db_session(), found, number) if found else None
    if post is None:
        abort(404)
    form = FlagForm()
    if form.validate_on_submit():
        reached = FLAGS.reached()
        if reached is not None:  # the reason chosen stays chosen, with the time to send it again
            form.form_errors.append(submissions.limited(reached))
            return form_page("forum/flag.html", form, status=submissions.LIMITED_STATUS, post=post)
        config = installation.current_config()
        code = _code()
        who = service.flagger(config.secret_key, post.id, code.id if code else None)
        # A repeated flag is thanked like the first: the answer says nothing about earlier ones.
        service.flag(db_session(), post, FlagReason(form.reason.data), who, config.forum_flag_threshold)
        FLAGS.count()
        flash(_("Thank you. A moderator will look at the post."), "info")
        return redirect(url_for("forum.thread", token=token), code=303)
    return form_page("forum/flag.html", form, post=post)


@bp.route("/code", methods=["GET", "POST"])
@shows_form_again
@limiter.limit(configured("limit_forum_code"), methods=["POST"])
@failed_codes.counted
def code() -> Page:
    return code_log_in(
        ForumCodeForm(),
        "forum/code.html",
        lambda code: service.open_code(db_session(), code, installation.current_config()),
        _write_with_code,
        not_found=_("We found no forum code like that. Check it and try again."),
    )


def _write_with_code(found: ForumCode) -> Response:
    _start_code_session(found)
    flash(_("You write as %(name)s.", name=found.pseudonym), "info")
    return redirect(url_for("forum.mine"), code=303)


def _start_code_session(found: ForumCode) -> None:
    current = cast(ServerSideSession, session)
    current.start_over(keep=(gate.PASSED,))
    current[CODE_ID] = found.id


@bp.post("/code/new")
@limiter.limit(configured("limit_forum_code"))
def take_code() -> Response:
    new_code, row = service.take_code(db_session(), installation.current_config())
    _start_code_session(row)
    NEW_CODE.keep(new_code)
    return redirect(url_for("forum.code_receipt"), code=303)


@bp.route("/code/receipt", methods=["GET", "POST"])
def code_receipt() -> Page:
    shown = NEW_CODE.shown()
    found = _code()
    if not shown or found is None:
        return redirect(url_for("forum.index"))
    if request.method == "POST":
        NEW_CODE.forget()
        return redirect(url_for("forum.mine"), code=303)
    return render_template("forum/code_receipt.html", code=shown["code"], pseudonym=found.pseudonym)


@bp.post("/code/logout")
def code_logout() -> Response:
    current = cast(ServerSideSession, session)
    current.pop(CODE_ID, None)
    NEW_CODE.forget()
    flash(_("You no longer write with your forum code."), "info")
    return redirect(url_for("forum.index"), code=303)


@bp.get("/mine")
def mine() -> Page:
    found = _code()
    if found is None:
        return redirect(url_for("forum.code"))
    waiting, threads = service.my_posts(db_session(), found.id)
    return render_template("forum/mine.html", code=found, waiting=waiting, threads=threads)


@bp.route("/gate", methods=["GET", "POST"])
@shows_form_again
@limiter.limit(configured("limit_forum_code"), methods=["POST"])
@failed_codes.counted
def enter_gate() -> Page:
    form = GateForm()
    if form.validate_on_submit():
        target = gate.return_path(request.args.get("next", ""))
        needed = gate.needed_for_path(db_session(), target or "/forum/")
        if gate.check(db_session(), needed, form.passphrase.data or ""):
            if needed is not None:
                gate.remember(needed)
            return redirect(target or url_for("forum.index"), code=303)
        form.passphrase.errors = [_("That is not the passphrase.")]
        return form_page("forum/gate.html", form, status=401)
    return form_page("forum/gate.html", form)
