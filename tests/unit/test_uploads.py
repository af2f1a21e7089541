"""portal.cases.uploads: every fixture is built here, in memory, with a canary where metadata hides."""

from __future__ import annotations

import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from io import BytesIO

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from portal.cases.uploads import (
    MAX_FILE_BYTES,
    MAX_FILES,
    CleanFile,
    ContentMismatch,
    DamagedFile,
    DecompressionBomb,
    FileTooLarge,
    Removal,
    TooManyFiles,
    UnsupportedType,
    check_count,
    sanitize,
)
from portal.cases.uploads.limits import MAX_NAME_CHARS, MAX_ZIP_ENTRIES
from tests.unit.upload_canaries import CANARY, CANARY_BYTES, XMP, exif, pypdf_document, refused_promptly

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


# --- fixtures -------------------------------------------------------------------------------------


def _picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Left half red, right half blue: shows both that pixels survive and which way they turned."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _jpeg(orientation: int = 1, size: tuple[int, int] = (64, 48)) -> bytes:
    return _encode(
        _picture(size),
        "JPEG",
        exif=exif(orientation),
        comment=CANARY,
        xmp=XMP.encode(),
        icc_profile=_srgb_profile(),
        quality=95,
    )


def _png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CANARY)
    info.add_itxt("XML:com.adobe.xmp", XMP)
    return _encode(_picture(), "PNG", pnginfo=info, exif=exif(), icc_profile=_srgb_profile())


def _webp() -> bytes:
    return _encode(_picture(), "WEBP", exif=exif(), xmp=XMP.encode(), icc_profile=_srgb_profile(), quality=95)


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny real PNG whose header claims another size: decoding it would allocate width*height."""
    data = bytearray(_encode(Image.new("1", (1, 1)), "PNG"))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(data[12:29]))  # CRC over chunk type + data
    return bytes(data)


def _zip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 14, 9, 41, 0))
            info.compress_type = compression
            archive.writestr(info, content)
    return out.getvalue()


def _content_types(main: str = DOCX_MAIN) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{main}"/>'
        "</Types>"
    ).encode()


DOCX_BODY = (
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>Mutan erbjods den 3 mars.</w:t></w:r></w:p></w:body></w:document>"
)


def _docx(core_name: str = "docProps/core.xml", main: str = DOCX_MAIN) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", _content_types(main)),
            ("_rels/.rels", b"<Relationships/>"),
            ("word/document.xml", DOCX_BODY),
            ("word/media/", b""),
            (
                core_name,
                b"<cp:coreProperties><dc:creator>Canary Person</dc:creator>"
                b"<cp:lastModifiedBy>Canary Person</cp:lastModifiedBy></cp:coreProperties>",
            ),
            ("docProps/app.xml", b"<Properties><Company>Canary Person AB</Company></Properties>"),
            (
                "docProps/custom.xml",
                b"<Properties><vt:lpwstr>canary.person@kommun.se</vt:lpwstr></Properties>",
            ),
        ]
    )


def _no_canary(clean: CleanFile) -> None:
    assert CANARY_BYTES not in clean.data
    assert b"canary" not in clean.data.lower()


# --- images ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "media_type", "markers"),
    [
        # Where each format keeps EXIF, XMP, the ICC profile and comments/text.
        (_jpeg, "foto.jpg", "image/jpeg", [b"Exif\x00\x00", b"http://ns.adobe.com/xap/1.0/", b"ICC_PROFILE"]),
        (_png, "foto.png", "image/png", [b"eXIf", b"tEXt", b"iTXt", b"iCCP"]),
        (_webp, "foto.webp", "image/webp", [b"EXIF", b"XMP ", b"ICCP"]),
    ],
)
def test_image_metadata_is_removed_and_pixels_kept(
    make: Callable[[], bytes], name: str, media_type: str, markers: list[bytes]
) -> None:
    original = make()
    # The fixture really carries the metadata that must go.
    assert CANARY_BYTES in original and b"SN-123456" in original
    assert all(marker in original for marker in markers)
    with Image.open(BytesIO(original)) as before:
        assert ExifTags.IFD.GPSInfo in before.getexif()
        original_format = before.format

    clean = sanitize(name, original)

    assert (clean.filename, clean.media_type, clean.removed) == (name, media_type, {Removal.IMAGE_METADATA})  # type: ignore[comparison-overlap]
    _no_canary(clean)
    assert b"Exif" not in clean.data and b"SN-123456" not in clean.data and b"CanaryCam" not in clean.data
    assert not [marker for marker in markers if marker in clean.data]
    with Image.open(BytesIO(clean.data)) as after:
        assert after.format == original_format
        assert len(after.getexif()) == 0
        assert not set(after.info) & {"exif", "xmp", "icc_profile", "comment", "Author", "XML:com.adobe.xmp"}
        assert after.size == (64, 48)
        rgb = after.convert("RGB")
        left, right = rgb.getpixel((8, 24)), rgb.getpixel((56, 24))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert left[0] > 180 and left[2] < 60  # still red
    assert right[2] > 180 and right[0] < 60  # still blue


def test_exif_orientation_is_applied_before_it_is_removed() -> None:
    # Orientation 6: the camera was turned clockwise; viewers rotate the stored image 90° clockwise.
    clean = sanitize("sideways.jpg", _jpeg(orientation=6, size=(40, 20)))
    with Image.open(BytesIO(clean.data)) as after:
        assert after.size == (20, 40)
        assert ExifTags.Base.Orientation not in after.getexif()
        rgb = after.convert("RGB")
        top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 35))
    # The stored image's left (red) half becomes the top after turning clockwise.
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 180 and bottom[2] > 180


def test_only_the_first_frame_of_an_animation_is_kept() -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    original = _encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    with Image.open(BytesIO(original)) as before:
        assert getattr(before, "n_frames", 1) == 2

    with Image.open(BytesIO(sanitize("anim.png", original).data)) as after:
        assert getattr(after, "n_frames", 1) == 1
        assert after.convert("RGB").getpixel((0, 0)) == (255, 0, 0)


@pytest.mark.parametrize(
    ("fmt", "mode"),
    [
        ("PNG", "1"),
        ("PNG", "L"),
        ("PNG", "LA"),
        ("PNG", "I;16"),
        ("PNG", "RGBA"),
        ("JPEG", "L"),
        ("JPEG", "CMYK"),
    ]
    + [("WEBP", "RGBA")],
)
def test_image_modes_survive_the_rewrite(fmt: str, mode: str) -> None:
    clean = sanitize("bild", _encode(Image.new(mode, (9, 7)), fmt))
    with Image.open(BytesIO(clean.data)) as after:
        assert (after.format, after.mode, after.size) == (fmt, mode, (9, 7))


def test_palette_transparency_survives_as_alpha() -> None:
    image = Image.new("P", (8, 8), 0)
    image.putpalette([0, 0, 0, 255, 255, 255])
    image.putpixel((1, 1), 1)
    clean = sanitize("icon.png", _encode(image, "PNG", transparency=0))
    with Image.open(BytesIO(clean.data)) as after:
        rgba = after.convert("RGBA")
        assert rgba.getpixel((0, 0)) == (0, 0, 0, 0)
        assert rgba.getpixel((1, 1)) == (255, 255, 255, 255)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (7_000, 7_000),  # 49 MP: over our limit, under Pillow's own (our explicit check)
        (10_000, 10_000),  # 100 MP: Pillow only warns (the warning must become a refusal)
        (50_000, 50_000),  # 2.5 GP: Pillow raises DecompressionBombError
    ],
)
def test_decompression_bomb_is_refused_without_decoding(width: int, height: int) -> None:
    bomb = _png_claiming(width, height)
    assert len(bomb) < 100
    refused_promptly(DecompressionBomb, "bomb.png", bomb)


def test_pillow_bomb_warning_becomes_a_refusal_even_where_warnings_are_not_errors() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DecompressionBomb):
            sanitize("bomb.png", _png_claiming(10_000, 10_000))
    assert caught == []


def test_image_at_the_pixel_limit_is_not_called_a_bomb() -> None:
    # Same crafted header just under the limit: refused as damaged (no pixel data), not as a bomb.
    with pytest.raises(DamagedFile):
        sanitize("big.png", _png_claiming(5_000, 8_000))


@pytest.mark.parametrize("make", [_jpeg, _png, _webp])
def test_truncated_image_is_damaged(make: Callable[[], bytes]) -> None:
    data = make()
    with pytest.raises(DamagedFile):
        sanitize("cut", data[: len(data) // 2])


# --- type by content ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "refusal"),
    [
        ("x.pdf", _png(), ContentMismatch),  # a known type named as another known type
        ("x.JPEG", _png(), ContentMismatch),
        ("notes.pdf.", b"just text", ContentMismatch),  # Windows drops the trailing dot
        ("report.docx", pypdf_document(), ContentMismatch),
        # Content we cannot identify is refused as such, whatever the name: the name is never trusted.
        ("x.jpg", bytes(range(256)) * 8, UnsupportedType),
        ("photo.jpg", b"\x7fELF\x02\x01\x01\x00" + bytes(64), UnsupportedType),
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64), UnsupportedType),
        ("anim.gif", _encode(Image.new("RGB", (4, 4)), "GIF"), UnsupportedType),
        ("img.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", UnsupportedType),
        ("utf16.txt", "Hej".encode("utf-16"), UnsupportedType),
        ("latin1.txt", "Möte".encode("latin-1"), UnsupportedType),
        ("archive.zip", _zip([("a.txt", b"hello")]), UnsupportedType),
        ("macro.docx", _docx(main="application/vnd.ms-word.document.macroEnabled.main+xml"), UnsupportedType),
        ("bz.docx", _zip([("[Content_Types].xml", _content_types())], zipfile.ZIP_BZIP2), UnsupportedType),
    ],
)
def test_type_comes_from_content(filename: str, data: bytes, refusal: type[Exception]) -> None:
    with pytest.raises(refusal):
        sanitize(filename, data)


def test_text_is_returned_unchanged() -> None:
    text = "Chefen sa: ”skriv under, annars…”\nÅÄÖ\r\n".encode()
    clean = sanitize("anteckning.txt", text)
    assert clean == CleanFile("anteckning.txt", "text/plain; charset=utf-8", text, removed=frozenset())


def test_missing_extension_gets_the_sniffed_one() -> None:
    assert sanitize("IMG_0001", _jpeg()).filename == "IMG_0001.jpg"
    assert sanitize("minnesanteckningar", b"text").filename == "minnesanteckningar.txt"


# --- sizes and counts -----------------------------------------------------------------------------


def test_size_limit_is_checked_first_and_exactly() -> None:
    with pytest.raises(FileTooLarge):
        sanitize("big.txt", b"a" * (MAX_FILE_BYTES + 1))
    assert len(sanitize("big.txt", b"a" * MAX_FILE_BYTES).data) == MAX_FILE_BYTES
    # Over the limit is refused as too large even when the content could not be parsed anyway.
    with pytest.raises(FileTooLarge):
        sanitize("big.pdf", b"%PDF-" + bytes(MAX_FILE_BYTES))


def test_count_limit() -> None:
    check_count(0)
    check_count(MAX_FILES)
    with pytest.raises(TooManyFiles):
        check_count(MAX_FILES + 1)
    assert MAX_FILES == 5


def test_empty_file_is_damaged() -> None:
    with pytest.raises(DamagedFile):
        sanitize("empty.txt", b"")


def test_refusals_carry_nothing_from_the_file() -> None:
    with pytest.raises(ContentMismatch) as mismatch:
        sanitize("Anna Svensson.pdf", _png())
    assert "Anna" not in str(mismatch.value) and mismatch.value.args == (ContentMismatch.message,)
    with pytest.raises(DamagedFile) as damaged:
        sanitize("Anna.pdf", b"%PDF-1.7\n1 0 obj << /Author (Anna Svensson) >> endobj trailer")
    # The parser's own exception (which may quote the file) is neither the cause nor shown as context.
    assert damaged.value.__cause__ is None and damaged.value.__suppress_context__
    assert "Anna" not in str(damaged.value)


# --- office documents -----------------------------------------------------------------------------
# What cleaning removes from DOCX/XLSX/PPTX and ODT/ODS/ODP is tested in test_uploads_office.py and
# test_uploads_odf.py; the zip container's own limits are tested here.


def test_zip_with_too_many_entries_is_a_bomb() -> None:
    entries = [("[Content_Types].xml", _content_types())]
    entries += [(f"word/media/{i}.xml", b"") for i in range(MAX_ZIP_ENTRIES)]
    with pytest.raises(DecompressionBomb):
        sanitize("many.docx", _zip(entries, zipfile.ZIP_STORED))


def test_zip_declaring_too_much_uncompressed_data_is_a_bomb() -> None:
    data = bytearray(_docx())
    # Central directory header: the uncompressed size is at offset 24. Claim 101 MB for one entry.
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 101 * 1024 * 1024)
    with pytest.raises(DecompressionBomb):
        sanitize("big.docx", bytes(data))


def test_zip_with_duplicate_names_is_refused() -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = _zip(
            [
                ("[Content_Types].xml", _content_types()),
                ("docProps/core.xml", b""),
                ("docProps/core.xml", b""),
            ]
        )
    with pytest.raises(DamagedFile):
        sanitize("dup.docx", data)


def test_corrupt_zip_is_damaged() -> None:
    data = _docx()
    with pytest.raises(DamagedFile):
        sanitize("cut.docx", data[: len(data) // 2])


# --- display names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "kind", "expected"),
    [
        ("../../etc/passwd.png", "png", "passwd.png"),
        ("C:\\Users\\Anna Svensson\\bild.JPG", "jpeg", "bild.jpg"),
        ("a\x00b.png", "png", "ab.png"),
        ("x" * 300 + ".png", "png", "x" * 96 + ".png"),
        ("å" * 300, "txt", "å" * 96 + ".txt"),
        ("scan", "png", "scan.png"),
        ("", "png", "attachment.png"),
        (".png", "png", "attachment.png"),
        ("..", "txt", "attachment.txt"),
        ("dir/", "txt", "attachment.txt"),
        ("foto.jpeg", "jpeg", "foto.jpg"),
        ("  Möte   med\tchefen .PNG ", "png", "Möte med chefen.png"),
        ("photo\u202egnp.exe", "png", "photognp.exe.png"),  # right-to-left override removed
        ("rapport v2.final", "txt", "rapport v2.final.txt"),
        ('a<b>:"c|?*.txt', "txt", "abc.txt"),
        ("Mo\u0308te.txt", "txt", "M\u00f6te.txt"),  # NFC: one code point for ö
        ("line\nbreak\r.txt", "txt", "line break.txt"),
    ],
)
def test_display_name(filename: str, kind: str, expected: str) -> None:
    data = {"png": _png(), "jpeg": _jpeg(), "txt": b"text"}[kind]
    name = sanitize(filename, data).filename
    assert name == expected
    assert len(name) <= MAX_NAME_CHARS
    assert not set(name) & set("/\\\x00\n\r")
