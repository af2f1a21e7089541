"""PDF documents, rewritten by qpdf (pikepdf) without what identifies the reporter or acts on the
moderator's desktop. The text layer stays: pages are never rasterised.

Every object reachable from the trailer is visited once, iteratively (a hostile file can nest or
loop its references), and judged by what it is, wherever it hangs: an XMP stream or an embedded
file is dropped under whatever key it was found, a JavaScript action whether it sits in an
/OpenAction, a link, a bookmark or a /Next chain. qpdf then writes only what is still reachable,
so objects of earlier revisions (incremental saves keep them in the file) are gone as well.

Every stream kept is first measured with bounded decoders (``pdf_streams``), and a document that
decodes to more than the budget is refused as a bomb. Flate streams (nearly all) are then written
as they were read, neither inflated nor recompressed; qpdf re-encodes the few with older filters
(ASCII85, LZW) as Flate, which is safe only because they were measured first.
"""

from __future__ import annotations

import warnings
from io import BytesIO

import pikepdf
from pikepdf import settings as qpdf_settings

from . import pdf_content, pdf_images, pdf_streams
from .errors import CannotClean, DamagedFile, DecompressionBomb, UnsupportedType, UploadRefused
from .limits import MAX_DECODED_BYTES
from .pdf_rules import View, catalog_removals, judge, scrub_dictionary, trailer_removals
from .removals import Cleaned, Removal

# Objects in the cross-reference table, and containers visited: a long tagged report has tens of
# thousands. A million is a file built to make the cleaner spin.
MAX_OBJECTS = 1_000_000
MAX_ITEMS = 5_000_000  # dictionary entries and array elements looked at, summed: 1 µs each

_STREAM = pikepdf.ObjectType.stream
_ARRAY = pikepdf.ObjectType.array
_DICTIONARIES = frozenset({pikepdf.ObjectType.dictionary, _STREAM})
_CONTAINERS = _DICTIONARIES | {_ARRAY}
# An object still to visit, the key it was found under, and its keys if already read.
_Pending = tuple[pikepdf.Object, str, View | None]
# Number and name trees pair keys with values: a dropped value becomes null, keeping the pairs.
_PAIRED = frozenset({"/Names", "/Nums"})
# Streams that are not content streams, so not searched for inline pictures.
_NOT_CONTENT = frozenset({"/FontFile", "/FontFile2", "/FontFile3", "/JBIG2Globals"})


def clean(data: bytes) -> Cleaned:
    """The PDF without metadata, active content, embedded files, authors and picture metadata."""
    _limit_qpdf()
    try:
        # pikepdf warns about odd structure (a form field outside the form): nothing of the file
        # may reach a log, and where warnings are errors a warning would refuse the file.
        with (
            warnings.catch_warnings(action="ignore"),
            pikepdf.open(BytesIO(data), password="", inherit_page_attributes=False) as pdf,
        ):
            removed = _Cleaner(pdf).run()
            out = BytesIO()
            pdf.save(
                out,
                # A fresh /ID from the clean content: the original one links the upload to the
                # reporter's copy of the file (and to whoever they got it from).
                deterministic_id=True,
                # Flate streams are copied raw (see the module docstring); compress_streams
                # keeps object streams compressed, and turns ASCII85 and LZW into Flate.
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                recompress_flate=False,
                compress_streams=True,
                object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                normalize_content=False,
                linearize=False,
                # Neither may add an XMP packet back.
                preserve_pdfa=False,
                fix_metadata_version=False,
                encryption=False,  # an empty-user-password file is written in clear
            )
    except UploadRefused:
        raise
    except pikepdf.PasswordError:
        raise UnsupportedType from None  # a real password: we cannot read it, so cannot clean it
    except MemoryError:
        raise CannotClean from None
    except pikepdf.PdfError as error:
        # Only the class and a fixed message leave here: qpdf's message may quote the file.
        if "memory limit exceeded" in str(error):
            raise DecompressionBomb from None
        if "encrypt" in str(error).lower():
            raise UnsupportedType from None  # an encryption scheme qpdf does not know (DRM)
        raise DamagedFile from None
    except RecursionError:
        raise CannotClean from None
    except Exception:
        raise DamagedFile from None
    return Cleaned(out.getvalue(), frozenset(removed))


def _limit_qpdf() -> None:
    # qpdf itself inflates object streams and cross-reference streams while reading; these caps
    # bound each of its decoders (process-wide: this runs in the sandbox's child).
    qpdf_settings.set_qpdf_limits(
        flate_max_memory=MAX_DECODED_BYTES,
        run_length_max_memory=MAX_DECODED_BYTES,
        png_max_memory=MAX_DECODED_BYTES,
        tiff_max_memory=MAX_DECODED_BYTES,
        # Recovering a badly broken file can emit a warning per byte; give up instead.
        doc_max_warnings=1000,
    )


class _Cleaner:
    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.budget = pdf_streams.Budget()
        self.removed: set[Removal] = set()
        self.seen: set[tuple[int, int]] = set()
        self.verdicts: dict[tuple[int, int], frozenset[Removal] | None] = {}
        self.nodes = 0
        self.items = 0

    def run(self) -> set[Removal]:
        self._measure_object_streams()
        trailer = self.pdf.trailer
        self.removed |= trailer_removals(trailer)
        root = trailer.get("/Root")
        if not isinstance(root, pikepdf.Dictionary):
            raise DamagedFile
        self.removed |= catalog_removals(root)
        self._walk(trailer)
        return self.removed

    def _measure_object_streams(self) -> None:
        # qpdf inflates an object stream as soon as one object inside it is read, unbounded but
        # for its own per-stream cap; so these are measured before the walk reads anything.
        table = self.pdf.get_xref_table()
        if len(table) > MAX_OBJECTS:
            raise CannotClean
        numbers = {entry.obj_stream_number for entry in table.values() if entry.type == 2}
        for number in sorted(n for n in numbers if n is not None):
            stream = self.pdf.get_object((number, 0))
            if isinstance(stream, pikepdf.Stream):
                pdf_streams.measure_data(stream.read_raw_bytes(), pdf_streams.chain_of(stream), self.budget)

    def _walk(self, start: pikepdf.Object) -> None:
        # Iterative, with a visited set: references may nest a million deep or loop.
        stack: list[_Pending] = [(start, "", None)]
        while stack:
            obj, key, view = stack.pop()
            if obj.is_indirect:
                objgen = obj.objgen
                if objgen in self.seen:
                    continue
                self.seen.add(objgen)
            self.nodes += 1
            if self.nodes > MAX_OBJECTS:
                raise CannotClean
            kind = obj._type_code
            if kind == _ARRAY:
                self._array(obj, key, stack)
                continue
            self.removed |= scrub_dictionary(view or View(obj), is_stream=kind == _STREAM)
            entries: pikepdf.Object = obj
            if kind == _STREAM:
                self._stream(obj, key)
                entries = obj.stream_dict
            self._dictionary(entries, stack)

    def _dictionary(self, entries: pikepdf.Object, stack: list[_Pending]) -> None:
        items = list(entries.items())
        self._count(len(items))
        for key, value in items:
            if key == "/Encrypt" or not isinstance(value, pikepdf.Object):
                continue  # Python scalars (numbers, booleans) hold nothing to clean
            verdict, view = self._judged(value)
            if verdict is None:
                if value._type_code in _CONTAINERS:
                    stack.append((value, key, view))
            else:
                del entries[key]
                self.removed |= verdict

    def _array(self, array: pikepdf.Object, key: str, stack: list[_Pending]) -> None:
        values = list(array)
        self._count(len(values))
        kept: list[object] = []
        changed = False
        for value in values:
            if isinstance(value, pikepdf.Object):
                verdict, view = self._judged(value)
                if verdict is not None:
                    self.removed |= verdict
                    changed = True
                    if key in _PAIRED:
                        kept.append(None)
                    continue
                if value._type_code in _CONTAINERS:
                    stack.append((value, key, view))  # elements inherit the key: /Contents [a b c]
            kept.append(value)
        if changed:
            array[:] = kept  # at once: deleting one by one is quadratic on a long /Annots

    def _count(self, items: int) -> None:
        self.items += items
        if self.items > MAX_ITEMS:
            raise CannotClean

    def _judged(self, value: pikepdf.Object) -> tuple[frozenset[Removal] | None, View | None]:
        """None to keep the value, else what removing it removes; and the view the judging read
        (cached per indirect object: an object referenced a thousand times is judged once)."""
        if value._type_code not in _DICTIONARIES:
            return None, None
        if not value.is_indirect:
            view = View(value)
            return judge(value, view), view
        objgen = value.objgen
        if objgen in self.seen:
            return None, None  # visited, so it was kept
        if objgen in self.verdicts:
            return self.verdicts[objgen], None
        view = View(value)
        verdict = self.verdicts[objgen] = judge(value, view)
        return verdict, view

    def _stream(self, stream: pikepdf.Object, key: str) -> None:
        if stream.get("/Subtype") == "/Image":
            self.removed |= pdf_images.clean_xobject(stream, self.budget)
            return
        chain = pdf_streams.chain_of(stream)
        if chain.codec is not None:
            raise CannotClean  # a picture coding on a stream that is not a picture: no reader needs it
        search = () if key in _NOT_CONTENT else pdf_content.JPEG_FILTERS
        decoded = pdf_streams.measure_data(stream.read_raw_bytes(), chain, self.budget, search=search)
        if decoded.found:  # maybe an inline JPEG; parsing is slower, so only then
            self.removed |= pdf_content.clean_inline_images(stream, decoded.size, self.budget)
