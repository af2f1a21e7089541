"""Shared by the office-document cleaning tests: canaries, photos, zip surgery, and the checks.

Every canary contains "canary", so one search over every entry of a cleaned package proves that
none of them is left anywhere (the body texts never contain the word).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Mapping
from io import BytesIO

from PIL import ExifTags, Image, PngImagePlugin

from tests.unit.upload_canaries import CANARY as CANARY
from tests.unit.upload_canaries import exif as canary_exif

CANARY_MAIL = "canary.person@kommun.se"
USER_PATH = "C:\\Users\\CanaryUser\\Documents"
BEACON = "http://beacon.canary.example/pixel.png"
SHARE = "\\\\canary-server\\share\\mall.dotx"
SIZE = (64, 48)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
OFFICE_CT = "application/vnd.openxmlformats-officedocument."
RASTER_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")


def exif() -> Image.Exif:
    # A serial with "canary" in it: the office tests look for the word in every part, any case.
    return canary_exif(serial="SN-CANARY-1")


def photo(fmt: str = "JPEG", shade: int = 0) -> bytes:
    """A picture with the reporter's name and position in its EXIF (and a PNG text chunk);
    ``shade`` makes another picture (programs store identical pictures once)."""
    image = Image.new("RGB", SIZE, (220 - shade, 20, 20))
    image.paste((20, 20, 220), (SIZE[0] // 2, 0, SIZE[0], SIZE[1]))
    out = BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", CANARY)
        image.save(out, format="PNG", exif=exif(), pnginfo=info)
    else:
        image.save(out, format=fmt, exif=exif())
    data = out.getvalue()
    assert CANARY.encode() in data
    with Image.open(BytesIO(data)) as check:
        assert ExifTags.IFD.GPSInfo in check.getexif()
    return data


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: Mapping[str, bytes]) -> bytes:
    """A package with these entries; fixtures are stored, not compressed, which is faster and
    leaves compressing to the cleaner (whose output must be deflated)."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, content in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 3, 14, 9, 41, 0)), content)
    return out.getvalue()


def edit(data: bytes, changes: Mapping[str, bytes | None]) -> bytes:
    """The package with entries replaced, added (at the end) or, for None, removed."""
    parts = entries(data)
    for name, content in changes.items():
        if content is None:
            del parts[name]
        else:
            parts[name] = content
    return rezip(parts)


def replace(data: bytes, name: str, old: bytes, new: bytes) -> bytes:
    content = entries(data)[name]
    assert old in content, (name, old)
    return edit(data, {name: content.replace(old, new, 1)})


def with_override(types: bytes, part: str, content_type: str) -> bytes:
    return types.replace(
        b"</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'.encode()
    )


def with_rel(rels: bytes, rid: str, rel_type: str, target: str, external: bool = False) -> bytes:
    mode = ' TargetMode="External"' if external else ""
    rel = f'<Relationship Id="{rid}" Type="{rel_type}" Target="{target}"{mode}/>'
    return rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def rels_of(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def plant(
    data: bytes,
    name: str,
    content: bytes,
    content_type: str,
    source: str,
    rel_type: str,
    rid: str = "rIdPlanted",
) -> bytes:
    """Add a part with its content-type override and a relationship from ``source`` ("" for the
    package) to it, the way Office links it."""
    parts = entries(data)
    parts[name] = content
    parts["[Content_Types].xml"] = with_override(parts["[Content_Types].xml"], name, content_type)
    rels_name = "_rels/.rels" if not source else rels_of(source)
    rels = parts.get(
        rels_name,
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
    )
    base = source.rpartition("/")[0]
    target = name[len(base) + 1 :] if base and name.startswith(base + "/") else "/" + name
    parts[rels_name] = with_rel(rels, rid, rel_type, target)
    return rezip(parts)


def assert_no_canary(data: bytes) -> None:
    for name, content in entries(data).items():
        assert b"canary" not in content.lower(), name
        assert b"canary" not in name.lower().encode(), name


def assert_valid_zip(data: bytes) -> None:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def pictures(data: bytes) -> dict[str, bytes]:
    return {name: content for name, content in entries(data).items() if content.startswith(RASTER_SIGNATURES)}


def assert_pictures_clean(data: bytes, count: int) -> None:
    """Every raster picture in the package decodes, has its size and no EXIF; ``count`` of them."""
    found = pictures(data)
    assert len(found) == count, sorted(found)
    for name, content in found.items():
        with Image.open(BytesIO(content)) as image:
            assert len(image.getexif()) == 0, name
            assert not set(image.info) & {"exif", "xmp", "Author", "icc_profile"}, name
            assert image.size == SIZE, name
            image.load()


def assert_package_consistent(data: bytes) -> None:
    """Office refuses (or "repairs") a package whose content types, relationships and parts
    disagree: every override names a part, every part has a type, every internal relationship
    leads to a part, every relationships file belongs to one."""
    from urllib.parse import unquote

    from portal.cases.uploads import safexml

    parts = entries(data)
    lower = {name.lower() for name in parts}
    types = safexml.parse(parts["[Content_Types].xml"])
    ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    overrides = {el.get("PartName").lstrip("/").lower() for el in types.iter(ns + "Override")}
    defaults = {el.get("Extension").lower() for el in types.iter(ns + "Default")}
    assert overrides <= lower, overrides - lower
    for name in parts:
        if name != "[Content_Types].xml":
            assert name.lower() in overrides or name.rpartition(".")[2].lower() in defaults, name
    for name, content in parts.items():
        if not name.endswith(".rels"):
            continue
        folder = name.rpartition("/")[0].removesuffix("_rels").rstrip("/")
        source = posixpath.join(folder, name.rpartition("/")[2].removesuffix(".rels"))
        assert name == "_rels/.rels" or source.lower() in lower, name
        for rel in safexml.parse(content).iter(
            "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
        ):
            if rel.get("TargetMode") != "External":
                target = unquote(rel.get("Target"))
                path = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                assert path.lower() in lower, (name, target)
