"""The plaintext inside a backup: compressed JSON lines, one record a line.

1. a header: format, Alembic revision, time, source database, and every table's columns;
   An organisation's backup (issue 14) names its organisation there: ``{"id": …, "slug": …}``;
2. for each table in foreign-key order: ``{"table": name}``, then one JSON list per row;
3. ``{"end": {table: rows}}``: the reader checks every count, so nothing can go missing quietly.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..security.backup_cipher import DamagedStream
from .values import KINDS, decode

FORMAT_VERSION = 1


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


@dataclass(frozen=True)
class TableLayout:
    name: str
    columns: tuple[str, ...]
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    slug: str


@dataclass(frozen=True)
class BackupInfo:
    revision: str
    created_at: str
    source: str
    tables: tuple[TableLayout, ...]
    # The one organisation an organisation's backup holds; None for the whole installation.
    organisation: OrganisationRef | None = None


class ArchiveWriter:
    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        # Most of a backup is ciphertext in base64: Huffman coding alone takes back the base64
        # overhead (to ~75 %), twice as fast as a full deflate, which finds nothing more in it.
        self._compressor = zlib.compressobj(strategy=zlib.Z_HUFFMAN_ONLY)

    def record(self, value: Any) -> None:
        line = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self._sink.write(self._compressor.compress(line))

    def header(self, info: BackupInfo) -> None:
        header: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "revision": info.revision,
            "created_at": info.created_at,
            "source": info.source,
            "tables": [
                {"name": t.name, "columns": [list(pair) for pair in zip(t.columns, t.kinds, strict=True)]}
                for t in info.tables
            ],
        }
        if info.organisation is not None:
            header["organisation"] = {"id": info.organisation.id, "slug": info.organisation.slug}
        self.record(header)

    def close(self) -> None:
        self._sink.write(self._compressor.flush())


def _lines(chunks: Iterator[bytes]) -> Iterator[Any]:
    decompressor = zlib.decompressobj()
    line = bytearray()
    try:
        for chunk in chunks:
            data = decompressor.decompress(chunk)
            start = 0
            while (end := data.find(b"\n", start)) != -1:
                line += data[start:end]
                yield json.loads(line)
                line.clear()
                start = end + 1
            line += data[start:]
    except (zlib.error, ValueError) as exc:
        raise DamagedStream("the backup's contents cannot be read") from exc
    if line or not decompressor.eof:
        raise DamagedStream("the backup's contents end early")


def _info(header: Any) -> BackupInfo:
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise DamagedStream("this backup was written in a format this version cannot read")
    try:
        layouts = tuple(
            TableLayout(
                name=str(table["name"]),
                columns=tuple(str(name) for name, _ in table["columns"]),
                kinds=tuple(str(kind) for _, kind in table["columns"]),
            )
            for table in header["tables"]
        )
        scope = header.get("organisation")
        organisation = None if scope is None else OrganisationRef(int(scope["id"]), str(scope["slug"]))
        info = BackupInfo(
            str(header["revision"]), str(header["created_at"]), str(header["source"]), layouts, organisation
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DamagedStream("the backup's header is damaged") from exc
    if any(kind not in KINDS for layout in layouts for kind in layout.kinds):
        raise DamagedStream("the backup's header names an unknown column type")
    return info


class ArchiveReader:
    """The header at once; then :meth:`rows` yields every row, checked against the header."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._records = _lines(chunks)
        self.info = _info(next(self._records, None))

    def rows(self) -> Iterator[tuple[TableLayout, dict[str, Any]]]:
        counts: dict[str, int] = {}
        layout: TableLayout | None = None
        expected = iter(self.info.tables)
        for record in self._records:
            if isinstance(record, list):
                if layout is None or len(record) != len(layout.columns):
                    raise DamagedStream("the backup has a row that matches no table")
                try:
                    values = [decode(kind, value) for kind, value in zip(layout.kinds, record, strict=True)]
                except (ValueError, TypeError) as exc:
                    raise DamagedStream(f"the backup has an unreadable row in {layout.name}") from exc
                counts[layout.name] += 1
                yield layout, dict(zip(layout.columns, values, strict=True))
            elif isinstance(record, dict) and "table" in record:
                layout = next(expected, None)
                if layout is None or record["table"] != layout.name:
                    raise DamagedStream("the backup's tables are not in the order its header gives")
                counts[layout.name] = 0
            elif isinstance(record, dict) and "end" in record:
                self._finish(record["end"], counts, expected)
                return
            else:
                raise DamagedStream("the backup has a record of an unknown kind")
        raise DamagedStream("the backup's contents end early")

    def _finish(self, declared: Any, counts: dict[str, int], expected: Iterator[TableLayout]) -> None:
        if next(expected, None) is not None or declared != counts:
            raise DamagedStream("the backup's row counts do not match its contents")
        if next(self._records, None) is not None:
            raise DamagedStream("the backup has records after its end")
