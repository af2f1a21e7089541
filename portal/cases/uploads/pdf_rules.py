"""Which parts of a PDF's objects identify the reporter or act on the reader's desktop, and what
removing each is called on the receipt.

Two kinds of rule: ``scrub_dictionary`` removes keys from a dictionary being visited (its XMP, its
additional actions, the author of an annotation); ``judge`` decides about a value wherever it is
referenced (an embedded file, a JavaScript action, a signature), so that the cleaner drops every
reference to it, under whatever key or in whatever array it was hidden.

Decisions:
- Links to web addresses (URI actions) are removed, the link's rectangle and the visible text kept.
  A URI only fires on a click, but a click tells the link's server that this report is being read,
  from where and when; a link can carry a tracking token that names the reporter. The address
  stays readable in the page text when it was printed there.
- Annotations (comments, highlights) are kept with their text: the reporter may have marked up the
  evidence, and sees those notes in any viewer. Who wrote them and when (/T, /M, /CreationDate,
  /NM) is removed, and the rich-text copy /RC (which carries the authoring program's markup) too:
  readers show /Contents instead.
- Digital signatures are removed: after a rewrite they no longer verify, and their certificate names
  the signer (a Swedish e-ID certificate carries the personal identity number).
"""

from __future__ import annotations

import re

import pikepdf

from .errors import CannotClean
from .removals import Removal

P, A, F = Removal.PROPERTIES, Removal.ACTIVE_CONTENT, Removal.EMBEDDED_FILES

# Keys removed from every dictionary and stream that has them.
_KEYS: dict[str, Removal] = {
    "/Metadata": P,  # XMP: author, tool, dates, document IDs; on the catalog, pages, fonts, forms
    "/PieceInfo": P,  # private data of the producing program: Illustrator keeps the whole .ai file
    "/LastModified": P,
    "/Thumb": Removal.THUMBNAIL,  # a picture of the page as it once was, maybe before redaction
    "/AA": A,  # actions run without a click: on opening, closing, printing, focus, keystrokes
    "/JS": A,
    "/AF": F,  # associated files (PDF 2.0)
    "/EF": F,  # the embedded file of a file specification
    "/RF": F,
}
_IMAGE_KEYS = frozenset({"/Metadata", "/PieceInfo", "/LastModified"})  # reported by pdf_images
# Keys of the catalog: portfolio, base address of links, web-capture and signature data.
_CATALOG: dict[str, Removal] = {
    "/Collection": F,  # the portfolio view: a cover sheet over files we remove
    "/URI": Removal.EXTERNAL_LINKS,
    "/SpiderInfo": P,  # web capture: source addresses and times
    "/Perms": Removal.SIGNATURES,  # signatures that restrict changes, and their signers
    "/DSS": Removal.SIGNATURES,  # certificates and revocation data of signers
    "/Legal": P,
}
# Name trees of the catalog's /Names.
_NAME_TREES: dict[str, Removal] = {
    "/JavaScript": A,  # document-level scripts, run on opening
    "/EmbeddedFiles": F,
    "/AlternatePresentations": A,  # slide shows, which may script
    "/Renditions": A,
    "/URLS": P,  # web capture
    "/IDS": P,
}
_TRAILER_KEPT = frozenset({"/Root", "/Size", "/Encrypt"})
# Written afresh by qpdf: the identifier, and (where the trailer is a cross-reference stream's
# dictionary) the keys of that stream.
_TRAILER_STRUCTURE = frozenset(
    {"/ID", "/Prev", "/XRefStm", "/Type", "/W", "/Index", "/Filter", "/DecodeParms", "/Length"}
)

# Actions that only move within the document or change its display. Everything else is removed:
# scripts, launching programs, opening other files or addresses, sending or importing form data,
# playing media.
_SAFE_ACTIONS = frozenset(
    {"/GoTo", "/GoToDp", "/Named", "/Hide", "/SetOCGState", "/Trans", "/Thread", "/ResetForm"}
)
_ALL_ACTIONS = _SAFE_ACTIONS | {
    "/JavaScript", "/Launch", "/URI", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Sound",
    "/Movie", "/Rendition", "/RichMediaExecute", "/GoTo3DView", "/ECMAScript", "/NOP", "/SetState",
}  # fmt: skip
# Named actions a viewer must support; others name menu items ("SaveAs", Acrobat's mail commands).
_PAGE_NAVIGATION = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})

_ANNOTATIONS = frozenset({
    "/Text", "/Link", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
    "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/Popup", "/FileAttachment",
    "/Sound", "/Movie", "/Widget", "/Screen", "/PrinterMark", "/TrapNet", "/Watermark", "/3D", "/Redact",
    "/Projection", "/RichMedia",
})  # fmt: skip
# Annotations dropped whole: an attached file, or media players (Flash, video, 3D, sound) that
# fetch, script and have long been the way into the reader's computer.
_DROPPED_ANNOTATIONS: dict[str, Removal] = {
    "/FileAttachment": F,
    "/Sound": A,
    "/Movie": A,
    "/Screen": A,
    "/RichMedia": A,
    "/3D": A,
}
_AUTHOR_KEYS = ("/T", "/M", "/CreationDate", "/NM", "/RC")
_FILE_KEYS = ("/F", "/UF", "/DOS", "/Mac", "/Unix", "/Win")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_DRIVE = re.compile(r"[a-z]:", re.IGNORECASE)


def trailer_removals(trailer: pikepdf.Object) -> set[Removal]:
    """Empty the trailer but for its structure: /Info and /ID go, and any private key."""
    removed: set[Removal] = set()
    for key in list(trailer.keys()):
        if key in _TRAILER_KEPT:
            continue
        value = trailer.get(key)
        del trailer[key]
        # An empty /Info removed nothing; any other key is private (Acrobat's /DocChecksum).
        if key not in _TRAILER_STRUCTURE and not (key == "/Info" and _empty(value)):
            removed.add(P)
    return removed


def catalog_removals(root: pikepdf.Object) -> set[Removal]:
    """Catalog keys and name trees that only the catalog has."""
    removed = _pop(root, _CATALOG)
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        removed |= _pop(names, _NAME_TREES)
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        # A dynamic XFA form shows only "please wait" pages without its XFA, the real document
        # being the form: removing the scripts would silently lose the evidence.
        if is_true(root.get("/NeedsRendering")):
            raise CannotClean
        del form["/XFA"]  # an XML form with its own scripts, next to the ordinary one
        removed.add(A)
    if "/NeedsRendering" in root:
        del root["/NeedsRendering"]
    return removed


class View:
    """A dictionary's keys, read once. Most rules ask for keys a dictionary does not have, which
    pikepdf answers in microseconds (a set answers in nanoseconds): on a 100 000-object file
    that is the difference between seconds and tens of seconds."""

    __slots__ = ("keys", "obj")

    def __init__(self, obj: pikepdf.Object) -> None:
        self.obj = obj
        self.keys: set[str] = set(obj.keys())

    def get(self, key: str) -> pikepdf.Object | None:
        return self.obj.get(key) if key in self.keys else None

    def pop(self, key: str) -> pikepdf.Object | None:
        if key not in self.keys:
            return None
        value = self.obj.get(key)
        del self.obj[key]
        self.keys.discard(key)
        return value


def scrub_dictionary(view: View, *, is_stream: bool) -> set[Removal]:
    """Remove identifying and active keys from one dictionary (or stream dictionary)."""
    image = is_stream and view.get("/Subtype") == "/Image"
    removed = {_KEYS[key] for key in view.keys & _KEYS.keys() if not (image and key in _IMAGE_KEYS)}
    for key in view.keys & _KEYS.keys():
        if not (image and key in _IMAGE_KEYS):
            view.pop(key)
    file_spec = view.get("/F")
    if is_stream and file_spec is not None:
        # The stream's data lives in another file, which a reader would go and open.
        removed |= targets(file_spec)
        for key in ("/F", "/FFilter", "/FDecodeParms", "/DL"):
            view.pop(key)
    elif isinstance(file_spec, pikepdf.String | pikepdf.Dictionary | pikepdf.Stream):
        # A file reference (a movie, an OPI proxy, a launch target); an integer /F is flags.
        view.pop("/F")
        removed |= targets(file_spec)
    for key in ("/Ref", "/OPI"):  # a form drawn from another PDF; a prepress server's original
        if key in view.keys and not (image and key == "/OPI"):
            removed |= targets(view.pop(key), depth=2)
    if is_stream:
        return removed
    if _is_annotation(view):
        widget = view.get("/Subtype") == "/Widget"
        for key in _AUTHOR_KEYS:
            # A widget's /T is its form field's name, not an author.
            if key in view.keys and not (widget and key == "/T"):
                view.pop(key)
                removed.add(Removal.ANNOTATION_AUTHORS)
    elif "/ID" in view.keys and view.get("/Type") == "/Page":
        view.pop("/ID")  # web capture: the identifier of the page's source
        removed.add(P)
    return removed


def judge(value: pikepdf.Object, view: View) -> frozenset[Removal] | None:
    """None to keep a referenced dictionary or stream, or what removing it wherever it is
    referenced removes."""
    is_stream = isinstance(value, pikepdf.Stream)
    kind = view.get("/Type")
    if is_stream:
        if kind == "/Metadata" or view.get("/Subtype") == "/XML":
            return frozenset({P})
        if kind == "/EmbeddedFile":
            return frozenset({F})
        return None
    if kind in ("/Filespec", "/FileSpec") or "/EF" in view.keys:
        return frozenset(targets(value))
    if kind in ("/Sig", "/DocTimeStamp") or {"/ByteRange", "/Contents"} <= view.keys:
        return frozenset({Removal.SIGNATURES})
    if _is_action(view):
        return _action(value)
    if _is_annotation(view):
        dropped = _DROPPED_ANNOTATIONS.get(str(view.get("/Subtype")))
        return None if dropped is None else frozenset({dropped})
    return None


def targets(spec: pikepdf.Object | None, depth: int = 1) -> set[Removal]:
    """What a file specification (a string, or a dictionary of them) points to: a path or a link."""
    if isinstance(spec, pikepdf.String):
        found = _path_or_link(str(spec))
        return set() if found is None else {found}
    if not isinstance(spec, pikepdf.Dictionary) or depth < 1:
        return set()
    removed = {F} if "/EF" in spec or "/RF" in spec else set()
    if spec.get("/FS") == "/URL":
        removed.add(Removal.EXTERNAL_LINKS)
    values = [spec.get(key) for key in _FILE_KEYS]
    if depth > 1:  # OPI: a dictionary of versions, each a dictionary with /F
        values += [v for v in spec.values() if isinstance(v, pikepdf.Dictionary)]
    for value in values:
        removed |= targets(value, depth - 1) if isinstance(value, pikepdf.Dictionary) else targets(value)
    return removed


def _path_or_link(text: str) -> Removal | None:
    text = text.strip()
    lower = text.lower()
    # A UNC share or file: URL makes Windows log in to that server with the reader's password hash.
    if text.startswith(("\\\\", "//")) or lower.startswith("file:") or _DRIVE.match(text):
        return Removal.PATHS
    if _SCHEME.match(text):
        return Removal.EXTERNAL_LINKS
    if "/" in text or "\\" in text:  # PDF writes C:\Users\anna as /C/Users/anna
        return Removal.PATHS
    return None  # a bare file name


def _action(action: pikepdf.Object) -> frozenset[Removal] | None:
    subtype = str(action.get("/S"))
    if subtype in _SAFE_ACTIONS:
        named_ok = subtype != "/Named" or action.get("/N") in _PAGE_NAVIGATION
        if named_ok and not (subtype == "/Thread" and "/F" in action):  # a thread in another file
            return None
    if subtype == "/URI":
        removed = {Removal.EXTERNAL_LINKS}
        uri = action.get("/URI")
        if isinstance(uri, pikepdf.String) and _path_or_link(str(uri)) is Removal.PATHS:
            removed.add(Removal.PATHS)
    else:
        removed = {A}
    for key in _FILE_KEYS:
        value = action.get(key)
        removed |= targets(value, 2) if isinstance(value, pikepdf.Dictionary) else targets(value)
    return frozenset(removed)


def _is_action(view: View) -> bool:
    if "/S" not in view.keys or "/K" in view.keys:  # structure elements have /S and /K
        return False
    kind, subtype = view.get("/Type"), view.get("/S")
    if not isinstance(subtype, pikepdf.Name):
        return False
    return kind == "/Action" or (kind is None and str(subtype) in _ALL_ACTIONS)


def _is_annotation(view: View) -> bool:
    if "/Subtype" not in view.keys or not ("/Rect" in view.keys or "/Type" in view.keys):
        return False
    subtype = str(view.get("/Subtype"))
    return subtype in _ANNOTATIONS and ("/Rect" in view.keys or view.get("/Type") == "/Annot")


def _pop(obj: pikepdf.Object, keys: dict[str, Removal], skip: frozenset[str] = frozenset()) -> set[Removal]:
    removed: set[Removal] = set()
    for key, removal in keys.items():
        if key in obj and key not in skip:
            del obj[key]
            removed.add(removal)
    return removed


def is_true(value: object) -> bool:
    """A PDF boolean true (pikepdf gives Python scalars for PDF numbers and booleans)."""
    return value is True


def _empty(value: pikepdf.Object | None) -> bool:
    return not isinstance(value, pikepdf.Dictionary) or len(value.keys()) == 0
