"""XML parts of office documents, parsed without trusting them, edited, and written back.

Threats: a part can declare entities that expand to gigabytes (billion laughs), fetch an external
DTD or entity (a read beacon, or a file of the server), or nest deeper than any parser's stack.
lxml is told to resolve nothing, load nothing and fetch nothing, and libxml2's own limits without
``huge_tree`` (depth 256, 10 MB text nodes, entity amplification) stay on. Office and LibreOffice
never write a DTD, so a part with one is refused outright rather than half understood.
Comments and processing instructions are dropped when parsing: no program reads them, and they
are where a tool or a person leaves names and paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeAlias
from urllib.parse import unquote, urlsplit

from lxml import etree

from .errors import CannotClean, DamagedFile
from .removals import Removal

# lxml ships no type information; an element is whatever lxml returns.
Element: TypeAlias = Any

# Any DOCTYPE is refused before libxml2 sees it: even with load_dtd=False and no_network, libxml2
# opens the file an external DTD names (seen with strace: SYSTEM "/tmp/x.dtd" is read, so
# "/dev/zero" would never end), and an internal one can declare entities and attribute defaults.
# Office and LibreOffice do not write DTDs (OpenOffice.org 2 put one in its manifests: such old
# files are refused). "<!DOCTYPE" in UTF-8 and both UTF-16 orders.
_DOCTYPE_MARKERS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def parse(data: bytes) -> Element:
    """The root element of an XML part; DamagedFile if it is not XML, CannotClean if it has a DTD."""
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise CannotClean
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        raise DamagedFile from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # behind an encoding the check missed
        raise CannotClean
    return root


def serialize(root: Element) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return data


def drop_unused_namespaces(root: Element) -> None:
    """Remove namespace declarations nothing uses any more. Not for OOXML: mc:Ignorable names
    prefixes whose declarations must stay."""
    etree.cleanup_namespaces(root)


def has_values(data: bytes) -> bool:
    """Whether a properties-like part holds anything below its root: an element with text or
    attributes. An empty skeleton (``<Properties/>``, ``<office:meta/>``) holds nothing to report;
    a part that cannot be read is assumed to hold something."""
    try:
        root = parse(data)
    except (DamagedFile, CannotClean):
        return bool(data.strip())
    return any((el.text or "").strip() or el.attrib for el in root.iter(etree.Element) if el is not root)


def walk(root: Element) -> Iterator[Element]:
    """Every element in document order, while the caller edits the tree: what it removed (with
    its content) is skipped, the content of an element it unwrapped is still visited."""
    stack = [root]
    while stack:
        el = stack.pop()
        if not attached(el, root):
            continue
        children = [child for child in el if isinstance(child.tag, str)]
        yield el
        stack.extend(reversed(children))


def attached(el: Element, root: Element) -> bool:
    """Whether ``el`` is still in the tree under ``root`` (not inside something removed)."""
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def local(el: Element) -> str:
    name: str = etree.QName(el).localname
    return name


def namespace(el: Element) -> str:
    uri: str | None = etree.QName(el).namespace
    return uri or ""


def tag_set(uris: tuple[str, ...], *names: str) -> frozenset[str]:
    """Clark names ``{uri}name`` for every namespace variant (OOXML transitional and strict)."""
    return frozenset(f"{{{uri}}}{name}" for uri in uris for name in names)


def _move_text(el: Element, text: str | None) -> None:
    """Text that stood after ``el`` is joined to what stands before it, before ``el`` goes."""
    if not text:
        return
    previous = el.getprevious()
    parent = el.getparent()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    elif parent is not None:
        parent.text = (parent.text or "") + text


def remove(el: Element) -> None:
    """Remove ``el`` and its content, keeping the text after it (ODF keeps body text in tails)."""
    parent = el.getparent()
    if parent is None:
        return
    _move_text(el, el.tail)
    parent.remove(el)


def remove_pruning(el: Element, wrapper_of: Callable[[Element], Element | None]) -> None:
    """Remove ``el``; then, while its parent is left empty, remove what ``wrapper_of(parent)``
    names (the parent itself, an ancestor, or None to stop): wrappers that may not stay empty."""
    parent = el.getparent()
    remove(el)
    while parent is not None and len(parent) == 0 and not (parent.text or "").strip():
        target = wrapper_of(parent)
        if target is None or target.getparent() is None:
            return
        parent = target.getparent()
        remove(target)


def unwrap(el: Element) -> None:
    """Replace ``el`` by its content: its text and children stay where it was."""
    parent = el.getparent()
    if parent is None:
        return
    _move_text(el, el.text)
    children = list(el)
    if children:
        children[-1].tail = (children[-1].tail or "") + (el.tail or "")
        el.tail = None
    index = parent.index(el)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    remove(el)


# --- paths and addresses --------------------------------------------------------------------------

# A value that names a place on someone's disk or file server: a drive letter, a UNC path, a file:
# address, or a Unix/macOS home. Found anywhere in the value, since formulas and field codes embed
# paths in longer text.
_PATH = re.compile(
    r"(?i)(?:file:|(?<![a-z0-9])[a-z]:[\\/]|\\\\[^\\\s]+\\|^//[^/\s]+/|(?:^|[\s'\"=(])/(?:home|users|volumes|media|mnt)/)"
)
_NETWORK_SCHEMES = frozenset({"smb", "nfs", "afp", "ftp", "ftps", "sftp", "webdav", "dav"})
LinkKind: TypeAlias = Literal["web", "local", "network", "other"]


def has_path(value: str) -> bool:
    return bool(_PATH.search(value))


def unsafe_entry_name(name: str) -> bool:
    """A zip entry name that no office program writes and that an unpacking tool could follow out
    of its folder: an absolute path, a drive, "..", a backslash or a control character."""
    segments = name.rstrip("/").split("/")
    return (
        name.startswith("/")
        or "\\" in name
        or ":" in segments[0]
        or any(segment in ("", ".", "..") for segment in segments)
        or any(ord(char) < 32 for char in name)
    )


def link_kind(target: str) -> LinkKind:
    """What opening or fetching ``target`` would do.

    web: an http(s) page or a mail address; local: a file on the reporter's disk (a drive, a
    relative path beside the document, file:///C:/...), which names folders and so the person;
    network: a file server (\\\\server\\share, file://server/, smb://), which is also a log-in
    attempt carrying the Windows password hash when fetched; other: any other scheme (javascript:,
    ms-word:, vnd.sun.star.script:, ...), which hands the address to another program.
    """
    value = unquote(target.strip())
    if value.startswith(("\\\\", "//")):
        return "network"
    if re.match(r"[A-Za-z]:[\\/]", value):
        return "local"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "other"
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "mailto"):
        return "web"
    if scheme == "file":
        return "network" if parts.netloc.lower() not in ("", "localhost") else "local"
    if scheme in _NETWORK_SCHEMES:
        return "network"
    return "local" if not scheme else "other"


def link_removals(kind: LinkKind, fetched: bool) -> set[Removal]:
    """What the receipt says for a removed link: a path names the person's folders; an address that
    the program would fetch (or a file server, when fetched) makes it contact another machine."""
    found: set[Removal] = set()
    if kind in ("local", "network"):
        found.add(Removal.PATHS)
    if kind in ("web", "other") or (kind == "network" and fetched):
        found.add(Removal.EXTERNAL_LINKS)
    return found
