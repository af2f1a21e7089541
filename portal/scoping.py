"""One organisation per moderator's request: every query sees only that organisation's rows.

The moderation blueprint calls :func:`scope_to` with the logged-in user's organisation as soon as
it has read the user's row. From then on SQLAlchemy's ``do_orm_execute`` hook adds
``organisation_id = :id`` (``with_loader_criteria``) to every ORM SELECT of the organisation's
own tables, to the joins and relationship loads that reach them, and ``Session.get`` included: a
moderator of one organisation asking for a case, a user, a label or an audit event of another
finds nothing, whatever the route forgot (the IDOR suite asks every route). A flush that would
write a row of another organisation raises :class:`CrossOrganisationWrite` instead.

Requests without a scope (reporters, the forum, commands and timers) see the whole installation
and say which organisation they write to themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, exists
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from .forum.models import WatchedWord
from .models import (
    AccessJob,
    AuditEvent,
    CaseKey,
    ErasedCase,
    Label,
    OrganisationText,
    ReplyTemplate,
    Report,
    User,
)

# The tables whose rows belong to one organisation, each with its ``organisation_id``.
SCOPED: tuple[type[Any], ...] = (
    Report,
    User,
    Label,
    ReplyTemplate,
    AuditEvent,
    OrganisationText,
    WatchedWord,
    AccessJob,
    ErasedCase,
)
_KEY = "portal.organisation_id"
_READER = "portal.reader"  # a plain moderator's user id: they see only cases they hold a key for
# ``select(...).execution_options(**EVERY_ORGANISATION)``: the rare question a scoped request must
# ask of the whole installation (is this user name free?). It reads nothing of another
# organisation's content, and the call site says so.
ALL_ORGANISATIONS = "portal_all_organisations"
EVERY_ORGANISATION = {ALL_ORGANISATIONS: True}
_UNSET = object()


class CrossOrganisationWrite(Exception):
    """A scoped session was about to write a row of another organisation."""


def scope_to(db: Session, organisation_id: int | None, reader: int | None = None) -> None:
    """From now on this session sees ``organisation_id``'s rows only (None: an operator's
    session, which sees no organisation's rows at all); with ``reader``, of the reports only
    those that user holds a case key for (a plain moderator, issue 15: an excluded moderator's
    queue, dashboard, search and statistics do not show the case, and no route finds it)."""
    db.info[_KEY] = organisation_id
    if reader is None:
        db.info.pop(_READER, None)
    else:
        db.info[_READER] = reader


@contextmanager
def acting_for(db: Session, organisation_id: int) -> Iterator[None]:
    """Scope the session to ``organisation_id`` for the block, then back as it was: the
    installation operator's request (which sees no organisation's rows) writes its events and
    links into that organisation's own log. The block's writes are flushed, and so checked,
    before the scope returns."""
    previous = db.info.get(_KEY, _UNSET)
    db.info[_KEY] = organisation_id
    try:
        yield
        db.flush()
    finally:
        if previous is _UNSET:
            db.info.pop(_KEY, None)
        else:
            db.info[_KEY] = previous


def unscope(db: Session) -> None:
    db.info.pop(_KEY, None)
    db.info.pop(_READER, None)


def current(db: Session) -> int | None:
    """The organisation this session is scoped to (None also when it is not scoped)."""
    value = db.info.get(_KEY)
    return value if isinstance(value, int) else None


def is_scoped(db: Session) -> bool:
    return _KEY in db.info


@event.listens_for(Session, "do_orm_execute")
def _only_own_rows(state: ORMExecuteState) -> None:
    scope = state.session.info.get(_KEY, _UNSET)
    if scope is _UNSET or state.is_column_load or state.is_relationship_load:
        return  # relationship and column loads carry the criteria of the query that loaded the row
    if state.execution_options.get(ALL_ORGANISATIONS):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(
        *(
            with_loader_criteria(model, lambda cls: cls.organisation_id.is_(None), include_aliases=True)
            if scope is None
            else with_loader_criteria(model, lambda cls: cls.organisation_id == scope, include_aliases=True)
            for model in SCOPED
        )
    )
    reader = state.session.info.get(_READER)
    if reader is not None:
        state.statement = state.statement.options(
            with_loader_criteria(
                Report,
                lambda cls: exists().where(CaseKey.report_id == cls.id, CaseKey.user_id == reader),
                include_aliases=True,
            )
        )


@event.listens_for(Session, "before_flush")
def _no_foreign_writes(db: Session, flush_context: Any, instances: Any) -> None:
    scope = db.info.get(_KEY, _UNSET)
    if scope is _UNSET:
        return
    for row in (*db.new, *db.dirty):
        if isinstance(row, SCOPED) and row.organisation_id != scope:
            raise CrossOrganisationWrite(f"{type(row).__name__} of organisation {row.organisation_id}")
