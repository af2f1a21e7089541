"""portal.cases.uploads, PDF: every fixture is built here (ReportLab, pikepdf, pypdf, or by hand
for structures no library writes), with a canary where metadata or active content hides. The
result is inspected with pypdf, a different library than the cleaner's, and the page text must
survive every cleaning: pages are never rasterised."""

from __future__ import annotations

import base64
import contextlib
import time
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, cast

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from PIL import Image, ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from portal.cases.uploads import (
    CannotClean,
    CleanFile,
    DamagedFile,
    DecompressionBomb,
    Removal,
    UnsupportedType,
    pdf,
    pdf_content,
    pdf_streams,
    sanitize,
)
from portal.cases.uploads.limits import MAX_DECODED_BYTES
from tests.unit.upload_canaries import CANARY, CANARY_BYTES, XMP, exif, pypdf_document, refused_promptly

P, A, F = Removal.PROPERTIES, Removal.ACTIVE_CONTENT, Removal.EMBEDDED_FILES


# --- fixtures -------------------------------------------------------------------------------------


def _text(n: int) -> str:
    return f"Sida {n}: mutan erbjods den 3 mars"


def _reportlab(pages: int = 2, draw: Callable[[canvas.Canvas, int], None] | None = None) -> bytes:
    """A text PDF whose /Info names the canary, one line of text per page."""
    out = BytesIO()
    c = canvas.Canvas(out, pagesize=(400, 400))
    c.setAuthor(CANARY)
    c.setTitle("Word for Canary")
    for n in range(1, pages + 1):
        c.drawString(40, 360, _text(n))
        if draw is not None:
            draw(c, n)
        c.showPage()
    c.save()
    return out.getvalue()


def _edit(data: bytes, change: Callable[[pikepdf.Pdf], None]) -> bytes:
    """The PDF changed with pikepdf, and without /Info, so that the expected removals are exact."""
    with pikepdf.open(BytesIO(data)) as document:
        if "/Info" in document.trailer:
            del document.trailer["/Info"]
        change(document)
        out = BytesIO()
        # Streams as they were written, or pikepdf would turn an LZW bomb into a Flate one.
        document.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, compress_streams=False)
        return out.getvalue()


def _base(pages: int = 2) -> bytes:
    return _edit(_reportlab(pages), lambda _: None)


def _page(document: pikepdf.Pdf, n: int = 0) -> pikepdf.Dictionary:
    page = document.pages[n].obj
    assert isinstance(page, pikepdf.Dictionary)
    return page


def _annotate(document: pikepdf.Pdf, annotation: pikepdf.Dictionary, n: int = 0) -> pikepdf.Object:
    for key, default in (("/Type", Name.Annot), ("/Rect", Array([40, 300, 200, 320]))):
        if key not in annotation:
            annotation[key] = default
    indirect = document.make_indirect(annotation)
    page = _page(document, n)
    if "/Annots" not in page:
        page.Annots = Array()
    page.Annots.append(indirect)
    return indirect


def _js(code: str = f"app.alert('{CANARY}')") -> pikepdf.Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def _picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue: shows both that pixels survive and which way they turned."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def _jpeg(orientation: int = 1, metadata: bool = True, mode: str = "RGB") -> bytes:
    out = BytesIO()
    options: dict[str, object] = {"quality": 95}
    if metadata:
        icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        options.update(exif=exif(orientation), comment=CANARY, xmp=XMP.encode(), icc_profile=icc)
    _picture(mode=mode).save(out, "JPEG", **options)
    return out.getvalue()


def _with_image(image: bytes, tmp_path: Path, inline: bool = False) -> bytes:
    """A page with the picture drawn by ReportLab, which copies a JPEG file into the PDF as it is."""
    path = tmp_path / "picture.jpg"
    path.write_bytes(image)

    def draw(c: canvas.Canvas, n: int) -> None:
        if inline:
            c.drawInlineImage(str(path), 40, 100, 128, 96)
        else:
            c.drawImage(ImageReader(str(path)), 40, 100, 128, 96)

    return _reportlab(1, draw)


def _expanded(data: bytes) -> bytes:
    """Every object uncompressed, then every stream's data decoded but for the picture coding
    (a JPEG stays a JPEG file): where a canary cannot hide."""
    with pikepdf.open(BytesIO(data)) as document:
        out = BytesIO()
        document.save(out, qdf=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        streams = [out.getvalue()]
        for obj in document.objects:
            if isinstance(obj, pikepdf.Stream):
                streams.append(_decoded(document, obj))
        return b"\n".join(streams)


def _decoded(document: pikepdf.Pdf, stream: pikepdf.Stream) -> bytes:
    try:
        return stream.read_bytes(pikepdf.StreamDecodeLevel.specialized)
    except pikepdf.PdfError:
        filters = stream.get("/Filter")
        if not isinstance(filters, pikepdf.Array) or len(filters) < 2:
            return stream.read_raw_bytes()
        # [/ASCII85Decode /DCTDecode]: decode all but the picture coding.
        copy = pikepdf.Stream(document, b"")
        copy.write(stream.read_raw_bytes(), filter=Array(list(filters)[:-1]))
        return copy.read_bytes()


def _no_canary(clean: CleanFile) -> None:
    for data in (clean.data, _expanded(clean.data)):
        assert CANARY_BYTES not in data and b"SN-123456" not in data
        assert b"canary" not in data.lower()


def _text_kept(clean: CleanFile, pages: int) -> PdfReader:
    """The cleaned file still has its pages and their text layer (nothing was rasterised)."""
    reader = PdfReader(BytesIO(clean.data))
    assert len(reader.pages) == pages
    for n, page in enumerate(reader.pages, start=1):
        assert _text(n) in page.extract_text()
    return reader


def _clean(data: bytes, pages: int = 2) -> tuple[CleanFile, PdfReader]:
    clean = sanitize("rapport.pdf", data)
    assert (clean.filename, clean.media_type) == ("rapport.pdf", "application/pdf")
    _no_canary(clean)
    return clean, _text_kept(clean, pages)


def _flate_bomb(size: int) -> bytes:
    """``size`` zero bytes deflated, built in 1 MiB steps: the test itself stays small in memory."""
    deflater = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    parts = [deflater.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join([*parts, deflater.compress(bytes(size % len(chunk))), deflater.flush()])


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _flate_bomb(MAX_DECODED_BYTES + 1024 * 1024)


class _Bits:
    """Codes of varying width, packed most significant bit first (as PDF's LZW writes them)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self._bits = self._count = 0

    def emit(self, code: int, width: int) -> None:
        self._bits, self._count = (self._bits << width) | code, self._count + width
        while self._count >= 8:
            self._count -= 8
            self.out.append((self._bits >> self._count) & 0xFF)
        self._bits &= (1 << self._count) - 1


def _width(next_code: int) -> int:
    """The code width once the table's next entry is ``next_code`` (early change: one early)."""
    return 9 if next_code + 1 < 512 else 10 if next_code + 1 < 1024 else 11 if next_code + 1 < 2048 else 12


def _lzw_zeros(size: int) -> bytes:
    """LZW codes for ``size`` zeros, written directly: each code one zero longer than the last."""
    bits = _Bits()
    written, width = 0, 9
    while written < size:
        bits.emit(256, width)  # clear the table, at the width the codes have reached
        bits.emit(0, 9)
        written, table, length = written + 1, 258, 1
        while table < 4000 and written < size:
            bits.emit(table, _width(table))
            length += 1
            written, table = written + length, table + 1
        width = _width(table)
    bits.emit(257, width)
    bits.emit(0, 8)
    return bytes(bits.out)


def _lzw(data: bytes) -> bytes:
    """A plain LZW encoder (PDF's variant, early change 1), for the decoder test."""
    bits = _Bits()
    table, next_code = {bytes([i]): i for i in range(256)}, 258
    bits.emit(256, 9)
    current = b""
    for byte in data:
        candidate = current + bytes([byte])
        if candidate in table:
            current = candidate
            continue
        bits.emit(table[current], _width(next_code - 1))
        table[candidate], next_code = next_code, next_code + 1
        if next_code >= 4000:
            bits.emit(256, _width(next_code - 1))
            table, next_code = {bytes([i]): i for i in range(256)}, 258
        current = bytes([byte])
    bits.emit(table[current], _width(next_code - 1))
    bits.emit(257, _width(next_code))
    bits.emit(0, 8)
    return bytes(bits.out)


def _with_content(data: bytes, raw: bytes, filters: pikepdf.Object) -> bytes:
    """The PDF with one more content stream on its first page, given raw (still encoded)."""

    def change(document: pikepdf.Pdf) -> None:
        stream = pikepdf.Stream(document, b"")
        stream.write(raw, filter=cast("Name | Array", filters))
        page = _page(document)
        page.Contents = Array([page.Contents, document.make_indirect(stream)])

    return _edit(data, change)


# --- properties and revisions ---------------------------------------------------------------------


def test_pdf_info_xmp_and_file_identifier_are_removed() -> None:
    original = pypdf_document(pages=2)
    assert CANARY_BYTES in original and b"xmpmeta" in original
    old_id = cast(ArrayObject, PdfReader(BytesIO(original)).trailer["/ID"])

    clean = sanitize("rapport.pdf", original)

    assert (clean.filename, clean.media_type, clean.removed) == ("rapport.pdf", "application/pdf", {P})  # type: ignore[comparison-overlap]
    _no_canary(clean)
    assert b"xmpmeta" not in _expanded(clean.data) and b"Word for Canary" not in clean.data
    reader = PdfReader(BytesIO(clean.data))
    assert len(reader.pages) == 2
    assert reader.metadata is None
    assert "/Metadata" not in reader.root_object
    # qpdf always writes an /ID; it must be a new one, not the one that links to the original.
    new_id = cast(ArrayObject, reader.trailer["/ID"])
    assert not {bytes(x.original_bytes) for x in new_id} & {bytes(x.original_bytes) for x in old_id}


def test_pdf_metadata_and_private_data_are_removed_at_every_level() -> None:
    def change(document: pikepdf.Pdf) -> None:
        def xmp() -> pikepdf.Object:
            return document.make_stream(XMP.encode(), Type=Name.Metadata, Subtype=Name.XML)

        private = Dictionary(Illustrator=Dictionary(Private=String(f"C:/Users/{CANARY}/design.ai")))
        document.Root.Metadata = xmp()
        document.Root.PieceInfo = private
        page = _page(document)
        page.Metadata = xmp()
        page.PieceInfo = private
        page.LastModified = String("D:20240314094100+01'00'")
        form = document.make_stream(b"", Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, 1, 1]))
        form.Metadata = xmp()
        form.PieceInfo = private
        page.Resources.XObject = Dictionary(Fm1=form)
        # An XMP stream under a key no reader knows: judged by what it is, not where it hangs.
        page.Resources.Private = xmp()

    clean, reader = _clean(_edit(_reportlab(), change))

    assert clean.removed == {P}
    page: Any = reader.pages[0]  # pypdf types every value in the tree as PdfObject
    for obj in (reader.root_object, page, page["/Resources"]["/XObject"]["/Fm1"]):
        assert not {"/Metadata", "/PieceInfo", "/LastModified"} & set(obj.keys())
    assert "/Private" not in page["/Resources"]


def test_pdf_earlier_revisions_are_dropped() -> None:
    # An incremental save keeps the old /Info (with the canary) in the file, no longer referenced.
    writer = PdfWriter(BytesIO(pypdf_document(pages=1)), incremental=True)
    writer.add_metadata({"/Author": "Someone Else"})
    out = BytesIO()
    writer.write(out)
    assert out.getvalue().count(CANARY_BYTES) >= 1
    assert PdfReader(BytesIO(out.getvalue())).metadata["/Author"] == "Someone Else"  # type: ignore[index]

    clean = sanitize("rapport.pdf", out.getvalue())
    _no_canary(clean)
    assert b"Someone Else" not in clean.data
    assert len(PdfReader(BytesIO(clean.data)).pages) == 1


def test_pdf_thumbnail_is_removed() -> None:
    def change(document: pikepdf.Pdf) -> None:
        _page(document).Thumb = document.make_stream(
            bytes(12), Width=2, Height=2, ColorSpace=Name.DeviceRGB, BitsPerComponent=8
        )

    clean, reader = _clean(_edit(_reportlab(), change))
    assert clean.removed == {Removal.THUMBNAIL}
    assert "/Thumb" not in reader.pages[0]


# --- annotations ----------------------------------------------------------------------------------


def test_pdf_annotation_authors_are_removed_and_their_text_kept() -> None:
    def change(document: pikepdf.Pdf) -> None:
        note = _annotate(
            document,
            Dictionary(
                Subtype=Name.Text,
                Contents=String("Här lovade han mutan"),
                T=String(CANARY),
                M=String("D:20240314094100+01'00'"),
                CreationDate=String("D:20240314094000+01'00'"),
                NM=String(f"{CANARY}-0001"),
                RC=String(
                    f'<body><span style="font-weight:bold">{CANARY}</span> Här lovade han mutan</body>'
                ),
            ),
        )
        note.Popup = _annotate(document, Dictionary(Subtype=Name.Popup, T=String(CANARY), Parent=note))
        _annotate(document, Dictionary(Subtype=Name.Highlight, T=String(CANARY), QuadPoints=Array([0] * 8)))
        field = _annotate(
            document, Dictionary(Subtype=Name.Widget, FT=Name.Tx, T=String("namn"), M=String("D:2024"))
        )
        document.Root.AcroForm = Dictionary(Fields=Array([field]))

    clean, reader = _clean(_edit(_reportlab(), change))

    assert clean.removed == {Removal.ANNOTATION_AUTHORS}
    annotations = [a.get_object() for a in cast(ArrayObject, reader.pages[0]["/Annots"])]
    assert [a["/Subtype"] for a in annotations] == ["/Text", "/Popup", "/Highlight", "/Widget"]
    assert annotations[0]["/Contents"] == "Här lovade han mutan"
    for annotation in annotations[:3]:
        assert not {"/T", "/M", "/CreationDate", "/NM", "/RC"} & set(annotation.keys())
    # A form field's name is not an author: kept, so the form still works.
    assert annotations[3]["/T"] == "namn" and "/M" not in annotations[3]


# --- active content, files, links, paths ----------------------------------------------------------


def _open_action(document: pikepdf.Pdf) -> None:
    document.Root.OpenAction = document.make_indirect(_js())


def _additional_actions(document: pikepdf.Pdf) -> None:
    document.Root.AA = Dictionary(WC=_js())
    _page(document).AA = Dictionary(O=_js())
    _annotate(document, Dictionary(Subtype=Name.Square, AA=Dictionary(E=_js())))


def _document_javascript(document: pikepdf.Pdf) -> None:
    document.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), _js()])))


def _form_actions(document: pikepdf.Pdf) -> None:
    submit = Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String(f"https://x.example/{CANARY}")))
    field = _annotate(
        document,
        Dictionary(Subtype=Name.Widget, FT=Name.Btn, T=String("skicka"), A=submit, AA=Dictionary(K=_js())),
    )
    document.Root.AcroForm = Dictionary(Fields=Array([field]), XFA=document.make_stream(CANARY_BYTES))


def _next_chain(document: pikepdf.Pdf) -> None:
    # A harmless action whose /Next runs a script: the first stays, the script goes.
    goto = Dictionary(S=Name.GoTo, D=Array([_page(document, 1), Name.Fit]), Next=Array([_js()]))
    document.Root.OpenAction = document.make_indirect(goto)


def _outline_script(document: pikepdf.Pdf) -> None:
    item = document.make_indirect(Dictionary(Title=String("Kapitel"), A=_js()))
    outlines = document.make_indirect(Dictionary(Type=Name.Outlines, First=item, Last=item, Count=1))
    item.Parent = outlines
    document.Root.Outlines = outlines


def _media_annotations(document: pikepdf.Pdf) -> None:
    for subtype in ("/RichMedia", "/3D", "/Sound", "/Movie", "/Screen"):
        _annotate(document, Dictionary(Subtype=Name(subtype), Contents=String(CANARY)))


def _uri_link(document: pikepdf.Pdf) -> None:
    action = Dictionary(S=Name.URI, URI=String(f"https://tracker.example/?who={CANARY}"))
    _annotate(document, Dictionary(Subtype=Name.Link, A=action, Border=Array([0, 0, 0])))
    document.Root.URI = Dictionary(Base=String("https://intranet.example/canary/"))


def _file_link(document: pikepdf.Pdf) -> None:
    # A click would make Windows log in to that server with the moderator's password hash.
    action = Dictionary(S=Name.URI, URI=String(f"file://fileserver/home/{CANARY}/protokoll.docx"))
    _annotate(document, Dictionary(Subtype=Name.Link, A=action))


def _prepress_link(document: pikepdf.Pdf) -> None:
    # OPI: the picture is a proxy for a high-resolution original in the designer's folder.
    image = document.make_stream(bytes(3), Type=Name.XObject, Subtype=Name.Image, Width=1, Height=1)
    image.ColorSpace, image.BitsPerComponent = Name.DeviceRGB, 8
    image.OPI = Dictionary({"/2.0": Dictionary(Type=Name.OPI, F=String(f"/Users/{CANARY}/bild.tif"))})
    _page(document).Resources.XObject = Dictionary(Im9=image)


def _attachments(document: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(document, CANARY_BYTES, mime_type="text/plain", filename="canary.txt")
    document.attachments["canary.txt"] = spec


def _attachment_annotation(document: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(document, CANARY_BYTES, filename="bilaga.txt")
    _annotate(document, Dictionary(Subtype=Name.FileAttachment, FS=spec.obj, Contents=String("Bilaga")))


def _associated_files(document: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(document, CANARY_BYTES, filename="källa.txt")
    document.Root.AF = Array([spec.obj])
    document.Root.Collection = Dictionary(Type=Name.Collection, View=Name.D)


def _remote_files(document: pikepdf.Pdf) -> None:
    unc = String(f"\\\\fileserver\\home\\{CANARY}\\protokoll.pdf")
    goto_r = Dictionary(S=Name.GoToR, F=unc, D=Array([0, Name.Fit]))
    launch = Dictionary(S=Name.Launch, Win=Dictionary(F=String(f"C:\\Users\\{CANARY}\\run.exe")))
    import_data = Dictionary(S=Name.ImportData, F=String(f"/C/Users/{CANARY}/svar.fdf"))
    goto_e = Dictionary(S=Name.GoToE, T=Dictionary(R=Name.C, N=String("bilaga.pdf")), D=Array([0, Name.Fit]))
    for action in (goto_r, launch, import_data, goto_e):
        _annotate(document, Dictionary(Subtype=Name.Link, A=action))


def _external_stream(document: pikepdf.Pdf) -> None:
    # Stream data kept in another file, which a reader would open: here on the reporter's disk.
    stream = document.make_stream(b"", F=String(f"/C/Users/{CANARY}/data.bin"))
    _page(document).Resources.Extra = stream


def _signature(document: pikepdf.Pdf) -> None:
    signature = Dictionary(
        Type=Name.Sig,
        Filter=Name("/Adobe.PPKLite"),
        Name=String(CANARY),
        M=String("D:20240314094100+01'00'"),
        ByteRange=Array([0, 10, 20, 30]),
        Contents=String(b"\x30\x82" + CANARY_BYTES),
    )
    field = _annotate(
        document, Dictionary(Subtype=Name.Widget, FT=Name.Sig, T=String("underskrift"), V=signature)
    )
    document.Root.AcroForm = Dictionary(Fields=Array([field]), SigFlags=3)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_open_action, {A}),
        (_additional_actions, {A}),
        (_document_javascript, {A}),
        (_form_actions, {A, Removal.EXTERNAL_LINKS}),  # the form was sent to a web address
        (_next_chain, {A}),
        (_outline_script, {A}),
        (_media_annotations, {A}),
        (_uri_link, {Removal.EXTERNAL_LINKS}),
        (_file_link, {Removal.EXTERNAL_LINKS, Removal.PATHS}),
        (_prepress_link, {Removal.EMBEDDED_IMAGES, Removal.PATHS}),
        (_attachments, {F}),
        (_attachment_annotation, {F}),
        (_associated_files, {F}),
        (_remote_files, {A, Removal.PATHS}),
        (_external_stream, {Removal.PATHS}),
        (_signature, {Removal.SIGNATURES}),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_pdf_active_content_files_and_links_are_removed(
    change: Callable[[pikepdf.Pdf], None], expected: set[Removal]
) -> None:
    original = _edit(_reportlab(), change)
    assert CANARY_BYTES in _expanded(original) or b"canary" in _expanded(original)

    clean, reader = _clean(original)

    assert clean.removed == expected
    expanded = _expanded(clean.data)
    for marker in (b"/JavaScript", b"/JS", b"/Launch", b"/URI", b"/SubmitForm", b"/GoToR", b"/XFA", b"/AA"):
        assert marker not in expanded
    for marker in (b"/EmbeddedFile", b"/Filespec", b"/AF", b"/Collection", b"/RichMedia", b"/Screen"):
        assert marker not in expanded
    assert b"/ByteRange" not in expanded and b"/Adobe.PPKLite" not in expanded
    root: Any = reader.root_object  # pypdf types every value in the tree as PdfObject
    assert "/OpenAction" not in root or root["/OpenAction"]["/S"] == "/GoTo"


def test_pdf_kept_annotations_and_navigation_stay() -> None:
    def change(document: pikepdf.Pdf) -> None:
        target = Array([_page(document, 1), Name.Fit])
        document.Root.OpenAction = Array([_page(document, 1), Name.Fit])
        _annotate(document, Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.GoTo, D=target)))
        _annotate(document, Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.Named, N=Name.NextPage)))
        _annotate(
            document, Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.URI, URI=String("https://a.example")))
        )

    clean, reader = _clean(_edit(_reportlab(), change))

    assert clean.removed == {Removal.EXTERNAL_LINKS}
    assert len(reader.root_object["/OpenAction"]) == 2  # type: ignore[arg-type]
    links = [a.get_object() for a in cast(ArrayObject, reader.pages[0]["/Annots"])]
    assert [link["/A"]["/S"] for link in links[:2]] == ["/GoTo", "/Named"]
    assert "/A" not in links[2] and links[2]["/Subtype"] == "/Link"  # inert, its rectangle kept


def test_pdf_dynamic_xfa_form_is_refused() -> None:
    # Its pages only say "please wait": without the XFA the evidence would be silently lost.
    def change(document: pikepdf.Pdf) -> None:
        document.Root.AcroForm = Dictionary(Fields=Array(), XFA=document.make_stream(b"<xdp/>"))
        document.Root.NeedsRendering = True

    with pytest.raises(CannotClean):
        sanitize("form.pdf", _edit(_reportlab(), change))


# --- pictures -------------------------------------------------------------------------------------


def _jpeg_images(clean: CleanFile) -> list[tuple[bytes, Image.Image]]:
    with pikepdf.open(BytesIO(clean.data)) as document:
        streams = [
            s for s in document.objects if isinstance(s, pikepdf.Stream) and s.get("/Subtype") == "/Image"
        ]
        assert streams and all(s.Filter == Name.DCTDecode for s in streams)
        found: list[tuple[bytes, Image.Image]] = []
        for stream in streams:
            data = stream.read_raw_bytes()
            found.append((data, Image.open(BytesIO(data))))
        return found


def _inline_jpeg(pdf_data: bytes) -> bytes:
    """The JPEG file of the first page's only inline picture."""
    with pikepdf.open(BytesIO(pdf_data)) as document:
        (image,) = [
            i.iimage
            for i in pikepdf.parse_content_stream(document.pages[0])
            if isinstance(i, pikepdf.ContentStreamInlineImage)
        ]
        assert image.obj.Filter == Array([Name.ASCII85Decode, Name.DCTDecode])
        return base64.a85decode(image.read_raw_bytes().strip().removesuffix(b"~>"))


def _red_left_blue_right(image: Image.Image) -> None:
    assert image.size == (64, 48)
    rgb = image.convert("RGB")
    left, right = rgb.getpixel((8, 24)), rgb.getpixel((56, 24))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[0] > 180 and left[2] < 60
    assert right[2] > 180 and right[0] < 60


@pytest.mark.parametrize("inline", [False, True], ids=["xobject", "inline"])
def test_pdf_jpeg_is_reencoded_without_exif_gps_xmp_icc(inline: bool, tmp_path: Path) -> None:
    original = _with_image(_jpeg(), tmp_path, inline=inline)
    # ReportLab copied the file as it is, ASCII85 encoded.
    before = _inline_jpeg(original) if inline else _expanded(original)
    assert b"Exif" in before and b"ICC_PROFILE" in before and b"SN-123456" in before

    clean, _ = _clean(original, pages=1)

    assert clean.removed == {P, Removal.EMBEDDED_IMAGES}
    if inline:
        data = _inline_jpeg(clean.data)
        image: Image.Image = Image.open(BytesIO(data))
    else:
        ((data, image),) = _jpeg_images(clean)
    assert b"Exif" not in data and b"ICC_PROFILE" not in data and b"http://ns.adobe.com/xap" not in data
    assert len(image.getexif()) == 0 and not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    _red_left_blue_right(image)


def test_pdf_inline_jpeg_in_a_huge_content_stream_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rewriting means parsing the whole stream into Python objects: bounded, in this process.
    data = _with_image(_jpeg(), tmp_path, inline=True)
    monkeypatch.setattr(pdf_content, "MAX_REWRITTEN_BYTES", 100)
    with pytest.raises(CannotClean):
        pdf.clean(data)


def test_pdf_jpeg_orientation_is_not_applied(tmp_path: Path) -> None:
    # The producer placed the picture already; turning its pixels would stretch it on the page.
    clean, _ = _clean(_with_image(_jpeg(orientation=6), tmp_path), pages=1)
    ((_, image),) = _jpeg_images(clean)
    _red_left_blue_right(image)


@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_pdf_jpeg_without_metadata_is_reencoded_and_not_reported(mode: str, tmp_path: Path) -> None:
    original = _jpeg(metadata=False, mode=mode)
    clean, _ = _clean(_with_image(original, tmp_path), pages=1)
    assert clean.removed == {P}  # /Info only: the picture had nothing to remove
    ((data, image),) = _jpeg_images(clean)
    assert data != original  # but it was re-encoded all the same
    assert image.mode == mode and image.size == (64, 48)
    if mode == "RGB":
        _red_left_blue_right(image)


def test_pdf_raw_picture_loses_its_metadata_and_hidden_bytes(tmp_path: Path) -> None:
    png = BytesIO()
    _picture().save(png, "PNG")

    def change(document: pikepdf.Pdf) -> None:
        (image,) = (
            s for s in document.objects if isinstance(s, pikepdf.Stream) and s.get("/Subtype") == "/Image"
        )
        pixels = image.read_bytes()
        # Bytes after the end of the compressed pixels: no reader shows them.
        image.write(zlib.compress(pixels) + b"hidden " + CANARY_BYTES, filter=Name.FlateDecode)
        image.Metadata = document.make_stream(XMP.encode(), Type=Name.Metadata, Subtype=Name.XML)
        image.PieceInfo = Dictionary(App=Dictionary(Private=String(CANARY)))

    clean, reader = _clean(_edit(_with_image(png.getvalue(), tmp_path), change), pages=1)

    assert clean.removed == {Removal.EMBEDDED_IMAGES}
    (image,) = reader.pages[0].images
    assert image.image is not None
    _red_left_blue_right(image.image)


def test_pdf_jpeg_2000_is_refused() -> None:
    def change(document: pikepdf.Pdf) -> None:
        jp2 = document.make_stream(b"\x00\x00\x00\x0cjP  \r\n\x87\n", Type=Name.XObject, Subtype=Name.Image)
        jp2.Width, jp2.Height, jp2.Filter = 8, 8, Name.JPXDecode
        _page(document).Resources.XObject = Dictionary(Im9=jp2)

    with pytest.raises(CannotClean):
        sanitize("jp2.pdf", _edit(_reportlab(), change))


# --- bombs and bounded decoding -------------------------------------------------------------------


def test_pdf_flate_bomb_is_refused_without_being_expanded(bomb: bytes) -> None:
    original = _with_content(_base(), bomb, Name.FlateDecode)
    assert len(original) < 200_000
    refused_promptly(DecompressionBomb, "bomb.pdf", original)


def test_pdf_streams_are_refused_when_their_sum_is_a_bomb() -> None:
    part = _flate_bomb(MAX_DECODED_BYTES // 3)

    def parts(n: int) -> bytes:
        def change(document: pikepdf.Pdf) -> None:
            streams = [pikepdf.Stream(document, b"") for _ in range(n)]
            for stream in streams:
                stream.write(part, filter=Name.FlateDecode)
            _page(document).Resources.Parts = Array([document.make_indirect(s) for s in streams])

        return _edit(_base(), change)

    assert len(PdfReader(BytesIO(sanitize("delar.pdf", parts(2)).data)).pages) == 2  # two are allowed
    with pytest.raises(DecompressionBomb):
        sanitize("bomb.pdf", parts(4))


def test_pdf_streams_are_copied_not_decoded_or_recompressed() -> None:
    # Written at zlib level 1, which qpdf would never choose: the bytes must come out the same.
    # "DCT" in the text makes the cleaner look for inline JPEGs, and find none.
    content = b"BT /F1 12 Tf 40 300 Td (DCT scan) Tj ET\n" * 5000
    raw = zlib.compress(content, 1)
    clean, reader = _clean(_with_content(_base(), raw, Name.FlateDecode))
    assert raw in clean.data
    assert reader.pages[0].get_contents().get_data().endswith(content)  # type: ignore[union-attr]


def test_pdf_bilevel_picture_is_kept_as_it_is() -> None:
    fax = bytes([0x26, 0xA0, 0x01, 0x00, 0x10, 0x01])  # a few CCITT G4 codes: pixels, nothing else

    def change(document: pikepdf.Pdf) -> None:
        image = document.make_stream(fax, Type=Name.XObject, Subtype=Name.Image, Width=16, Height=2)
        image.Filter, image.ImageMask = Name.CCITTFaxDecode, True
        image.DecodeParms = Dictionary(K=-1, Columns=16, Rows=2)
        _page(document).Resources.XObject = Dictionary(Im9=image)

    clean, _ = _clean(_edit(_reportlab(), change))
    assert clean.removed == set()
    assert fax in clean.data


def test_pdf_lzw_and_chained_bombs_are_refused(bomb: bytes) -> None:
    for raw, filters in [
        (_lzw_zeros(MAX_DECODED_BYTES + 1), Name.LZWDecode),
        (base64.a85encode(bomb) + b"~>", Array([Name.ASCII85Decode, Name.FlateDecode])),
    ]:
        refused_promptly(DecompressionBomb, "bomb.pdf", _with_content(_base(), raw, filters))


def _raw_pdf_with_object_stream(objects: list[bytes], packed: bytes, padding: int) -> bytes:
    """``objects`` (1..n) written plainly, then one object stream holding object n+1 (``packed``)
    followed by ``padding`` spaces, then a cross-reference stream."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    packed_number, stream_number, xref_number = len(objects) + 1, len(objects) + 2, len(objects) + 3
    header = b"%d 0 " % packed_number
    deflater = zlib.compressobj(9)
    data = deflater.compress(header + packed)
    chunk = b" " * (1024 * 1024)
    data += b"".join(deflater.compress(chunk) for _ in range(padding // len(chunk))) + deflater.flush()
    offsets.append(len(out))
    out += b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        stream_number,
        len(header),
        len(data),
    )
    out += data + b"\nendstream\nendobj\n"
    offsets.append(len(out))
    rows = [b"\x00\x00\x00\x00\xff\xff"]
    rows += [b"\x01" + offset.to_bytes(4, "big") + b"\x00" for offset in offsets[: len(objects)]]
    rows += [b"\x02" + stream_number.to_bytes(4, "big") + b"\x00"]
    rows += [b"\x01" + offset.to_bytes(4, "big") + b"\x00" for offset in offsets[len(objects) :]]
    table = b"".join(rows)
    out += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Length %d >>\nstream\n"
        % (xref_number, xref_number + 1, len(table))
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[-1]
    )
    return bytes(out)


def test_pdf_object_stream_bomb_is_refused() -> None:
    # qpdf inflates an object stream as soon as one of its objects is read: measured before that.
    objects = _page_objects(b"/Extra 6 0 R")
    small = _raw_pdf_with_object_stream(objects, b"<< /Kept true >>", 0)
    clean, _ = _clean(small, pages=1)
    assert clean.removed == set()
    bomb = _raw_pdf_with_object_stream(objects, b"<< /Kept true >>", MAX_DECODED_BYTES + 1024 * 1024)
    assert len(bomb) < 200_000
    refused_promptly(DecompressionBomb, "bomb.pdf", bomb)


def test_pdf_picture_claiming_too_many_pixels_is_a_bomb() -> None:
    def change(document: pikepdf.Pdf) -> None:
        image = document.make_stream(zlib.compress(bytes(1000)), Type=Name.XObject, Subtype=Name.Image)
        image.Width, image.Height, image.ColorSpace, image.BitsPerComponent = (
            10_000,
            10_000,
            Name.DeviceGray,
            8,
        )
        image.Filter = Name.FlateDecode
        _page(document).Resources.XObject = Dictionary(Im9=image)

    with pytest.raises(DecompressionBomb):
        sanitize("bomb.pdf", _edit(_reportlab(), change))


def test_pdf_of_fifty_pages_passes() -> None:
    started = time.perf_counter()
    clean, _ = _clean(_reportlab(50), pages=50)
    assert clean.removed == {P}
    assert time.perf_counter() - started < 5


_TEXT = b"BT /F1 12 Tf 40 300 Td (" + b"abcabcabd" * 300 + b") Tj ET\n" * 20


@pytest.mark.parametrize(
    ("filters", "encoded"),
    [
        (Name.FlateDecode, zlib.compress(_TEXT)),
        (Name.LZWDecode, _lzw(_TEXT + bytes(range(256)) * 40)),
        (Name.RunLengthDecode, bytes([127]) + _TEXT[:128] + bytes([200, 65, 128])),
        (Name.ASCIIHexDecode, _TEXT.hex().encode() + b">"),
        (Array([Name.ASCII85Decode, Name.FlateDecode]), base64.a85encode(zlib.compress(_TEXT)) + b"~>"),
    ],
    ids=["flate", "lzw", "runlength", "asciihex", "ascii85-flate"],
)
def test_bounded_decoders_agree_with_qpdf(filters: Name | Array, encoded: bytes) -> None:
    text = _TEXT
    with pikepdf.new() as document:
        stream = pikepdf.Stream(document, b"")
        stream.write(encoded, filter=filters)
        expected = stream.read_bytes(pikepdf.StreamDecodeLevel.specialized)
        chain = pdf_streams.chain_of(stream)
        ours = pdf_streams.decode(stream.read_raw_bytes(), chain, MAX_DECODED_BYTES, keep=True)
    assert ours.data == expected and expected.startswith(text[:128]) and not ours.damaged


# --- encryption, damage, hostile structure --------------------------------------------------------


@pytest.mark.parametrize("revision", [4, 6], ids=["RC4", "AES-256"])
def test_pdf_encrypted_with_empty_user_password_is_rewritten_in_clear(revision: Literal[4, 6]) -> None:
    out = BytesIO()
    with pikepdf.open(BytesIO(_reportlab(pages=3))) as document:
        document.save(out, encryption=pikepdf.Encryption(owner="owner", user="", R=revision))
    with pikepdf.open(BytesIO(out.getvalue())) as encrypted:  # pypdf needs cryptography for AES
        assert encrypted.is_encrypted

    clean = sanitize("skyddad.pdf", out.getvalue())
    reader = _text_kept(clean, 3)
    assert not reader.is_encrypted
    assert reader.metadata is None


def test_pdf_with_a_real_password_is_refused() -> None:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pypdf_document(pages=1))))
    writer.encrypt(user_password="hemligt", owner_password="owner", algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    with pytest.raises(UnsupportedType):
        sanitize("hemlig.pdf", out.getvalue())


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\nnot really a pdf",
        b"%PDF-1.4\n" + bytes(range(256)) * 40,
        b"%PDF-1.7\n1 0 obj << /Root 2 0 R",
    ],
)
def test_unparseable_pdf_is_damaged(data: bytes) -> None:
    with pytest.raises(DamagedFile) as refused:
        sanitize("x.pdf", data)
    assert refused.value.args == (DamagedFile.message,)


def test_pdf_refusal_carries_nothing_from_the_file() -> None:
    with pytest.raises(DamagedFile) as refused:
        pdf.clean(b"%PDF-1.7\n1 0 obj << /Author (Anna Svensson) /Root 2 0 R >> endobj trailer")
    # qpdf's own message (which quotes the file) is neither the cause nor shown as context.
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert "Anna" not in str(refused.value) and refused.value.args == (DamagedFile.message,)


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written by hand, for structures no library would write."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _page_objects(extra: bytes = b"") -> list[bytes]:
    content = b"BT /F1 12 Tf 40 360 Td (" + _text(1).encode() + b") Tj ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 400] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> " + extra + b" >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def test_pdf_reference_cycles_end() -> None:
    objects = _page_objects(b"/Loop 6 0 R")
    objects += [b"<< /Next 7 0 R /Self 6 0 R >>", b"[6 0 R 7 0 R << /Back 6 0 R >>]"]
    _clean(_raw_pdf(objects), pages=1)


def test_pdf_deep_nesting_ends_in_a_clean_file_or_a_refusal() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    chain = [b"[%d 0 R]" % (n + 1) for n in range(7, 50_007)] + [b"null"]
    for objects in (_page_objects(b"/Deep " + deep), _page_objects(b"/Chain 6 0 R") + [b"null"] + chain):
        started = time.perf_counter()
        with contextlib.suppress(DamagedFile, CannotClean):
            sanitize("deep.pdf", _raw_pdf(objects))
        assert time.perf_counter() - started < 10


def test_pdf_page_tree_loop_is_refused() -> None:
    objects = _page_objects()
    objects[1] = b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>"
    refused_promptly(DamagedFile, "loop.pdf", _raw_pdf(objects))


def test_pdf_with_too_many_objects_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Called in this process, so that the limit can be lowered; sanitize runs the same function.
    objects = _page_objects(b"/Many [" + b" ".join(b"%d 0 R" % n for n in range(6, 106)) + b"]")
    objects += [b"<< /N %d >>" % n for n in range(100)]
    data = _raw_pdf(objects)
    assert pdf.clean(data).data
    monkeypatch.setattr(pdf, "MAX_OBJECTS", 50)
    with pytest.raises(CannotClean):
        pdf.clean(data)


def test_pdf_with_too_many_entries_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _raw_pdf(_page_objects(b"/Numbers [" + b"1 " * 1000 + b"]"))
    assert pdf.clean(data).data
    monkeypatch.setattr(pdf, "MAX_ITEMS", 500)
    with pytest.raises(CannotClean):
        pdf.clean(data)
