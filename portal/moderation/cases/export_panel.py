"""What the case page shows of exports (issue 15 part 3): the masks, the forms to add and remove
them, and the export form. Built from the case the page has decrypted already."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...cases.access import Keyring
from ...cases.export import masks
from . import masking
from . import service as cases
from .export_forms import ExportForm, FileMasksForm, MaskForm, RemoveMaskForm


@dataclass(frozen=True)
class Panel:
    masks: list[masking.Shown]
    target_names: dict[str, str]
    mask_form: MaskForm
    remove_form: RemoveMaskForm
    file_form: FileMasksForm | None  # None: the case has no files
    export_form: ExportForm


def target_names(case: cases.CaseFile) -> dict[str, str]:
    """The texts a passage can be masked in, as the form's list offers them."""
    names = {masks.REPORT: str(_("The report"))}
    for n, entry in enumerate(case.dialogue.entries, start=1):
        who = _("Reporter") if entry.author.value == "reporter" else case.author_name(entry) or _("Moderator")
        names[masks.message_target(entry.seq)] = str(
            _("Message %(n)d (%(who)s, %(date)s)", n=n, who=who, date=entry.created_on.isoformat())
        )
    return names


def panel(db: Session, case: cases.CaseFile, keyring: Keyring, forms: dict[str, Any]) -> Panel:
    key = cases.report_key(db, case.report, keyring)
    shown, masked_files = masking.shown(db, case.report.id, key, case.dialogue)
    names = target_names(case)
    mask_form = forms.get("mask_form") or MaskForm(formdata=None)
    mask_form.target.choices = list(names.items())
    files = case.dialogue.first_files + [info for entry in case.dialogue.entries for info in entry.files]
    file_form = forms.get("file_masks_form") or FileMasksForm(formdata=None, files=sorted(masked_files))
    file_form.files.choices = [(info.id, info.filename) for info in files]
    return Panel(
        masks=shown,
        target_names=names,
        mask_form=mask_form,
        remove_form=RemoveMaskForm(formdata=None),
        file_form=file_form if files else None,
        export_form=forms.get("export_form") or ExportForm(formdata=None),
    )
