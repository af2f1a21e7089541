"""PDF stream data decoded by our own bounded decoders, never by qpdf unbounded.

A 10 MB PDF can hold a stream that inflates to gigabytes (a Flate bomb: zeros compress 1000:1, LZW
reaches 2700:1). qpdf would decode such a stream whole into memory, and a moderator's viewer would
too. So every stream the cleaner keeps is measured here first, chunk by chunk with a running total,
and a document whose streams decode to more than the budget is refused before anything is expanded
at once. Only after a stream is known to be small may qpdf decode it (``Stream.read_bytes``).

The generic filters (Flate, LZW, RunLength, ASCIIHex, ASCII85, identity Crypt) are decoded here.
Image codecs (DCT, JPX, JBIG2, CCITT) may only come last in a chain; their decoded size is the
picture's, which the caller budgets from /Width and /Height.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pikepdf

from .errors import CannotClean, DecompressionBomb
from .limits import MAX_DECODED_BYTES, MAX_PIXEL_BYTES

_CHUNK = 1024 * 1024  # bytes of output per decoding step: memory stays small whatever the ratio
_MAX_FILTERS = 4  # real producers chain at most two (e.g. ASCII85 + Flate); qpdf accepts 25

# Abbreviations are only valid in inline images, but some producers write them in stream
# dictionaries and viewers accept them there, so they are decoded (and measured) the same way.
_NAMES = {
    "/Fl": "/FlateDecode",
    "/LZW": "/LZWDecode",
    "/RL": "/RunLengthDecode",
    "/AHx": "/ASCIIHexDecode",
    "/A85": "/ASCII85Decode",
    "/DCT": "/DCTDecode",
    "/CCF": "/CCITTFaxDecode",
}
CODECS = frozenset({"/DCTDecode", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode"})
_GENERIC = frozenset(
    {"/FlateDecode", "/LZWDecode", "/RunLengthDecode", "/ASCIIHexDecode", "/ASCII85Decode", "/Crypt"}
)
Needles = tuple[bytes, ...]
_WHITESPACE = re.compile(rb"[\x00\t\n\x0c\r ]+")


class Budget:
    """What one document may still decode to: other streams and pictures counted apart."""

    def __init__(self) -> None:
        self.data_left = MAX_DECODED_BYTES
        self.pixels_left = MAX_PIXEL_BYTES

    def spend_pixels(self, n: int) -> None:
        self.pixels_left -= n
        if self.pixels_left < 0:
            raise DecompressionBomb


@dataclass
class Chain:
    """A stream's filters in decoding order: generic ones, then at most one image codec last."""

    generic: list[tuple[str, pikepdf.Object | None]] = field(default_factory=list)
    codec: str | None = None

    @property
    def predictor(self) -> int:
        if not self.generic:
            return 1
        parms = self.generic[-1][1]
        value = parms.get("/Predictor", 1) if isinstance(parms, pikepdf.Dictionary) else 1
        return value if isinstance(value, int) else 1


@dataclass
class Decoded:
    size: int = 0  # bytes out of the last generic filter (before any predictor)
    data: bytes | None = None  # those bytes, when the caller asked to keep them
    trailing: bool = False  # bytes after the end of a Flate stream: data no reader shows
    damaged: bool = False  # a decoder stopped at bad data (readers stop there too)
    found: bool = False  # one of the searched-for byte strings occurs in the decoded data


def chain_of(stream: pikepdf.Object) -> Chain:
    """The stream's filter chain, or CannotClean for one we cannot decode within bounds."""
    filters = stream.get("/Filter")
    parms = stream.get("/DecodeParms")
    if filters is None:
        return Chain()
    names = [filters] if isinstance(filters, pikepdf.Name) else filters
    if not isinstance(names, pikepdf.Array) and not isinstance(filters, pikepdf.Name):
        raise CannotClean
    parm_list = list(parms) if isinstance(parms, pikepdf.Array) else [parms] * len(names)
    if len(names) > _MAX_FILTERS or len(parm_list) != len(names):
        raise CannotClean
    chain = Chain()
    for position, (name, parm) in enumerate(zip(names, parm_list, strict=True)):
        if not isinstance(name, pikepdf.Name):
            raise CannotClean
        full = _NAMES.get(str(name), str(name))
        parm = parm if isinstance(parm, pikepdf.Dictionary) else None
        if full in CODECS and position == len(names) - 1:
            chain.codec = full
        elif full in _GENERIC:
            # A predictor rewrites the bytes a later filter would read; we decode predictors only
            # through qpdf, after measuring, so one may only sit on the last generic filter.
            if chain.predictor > 1:
                raise CannotClean
            if full == "/Crypt" and parm is not None and parm.get("/Name", "/Identity") != "/Identity":
                raise CannotClean  # a second encryption layer: not readable without its key
            chain.generic.append((full, parm))
        else:
            raise CannotClean  # unknown filter, or a codec before the end of the chain
    if chain.codec is not None and chain.predictor > 1:
        raise CannotClean
    return chain


def decode(raw: bytes, chain: Chain, limit: int, *, keep: bool = False, search: Needles = ()) -> Decoded:
    """Run the generic filters over the raw data, refusing as a bomb past ``limit`` bytes.

    ``search`` are looked for in the decoded data as it passes (each up to 16 bytes long).
    """
    result = Decoded()
    chunks: Iterable[bytes] = (raw,)
    for name, parms in chain.generic:
        chunks = _stage(name, parms, chunks, result, limit)
    kept: list[bytes] = []
    overlap = b""
    for chunk in chunks:
        result.size += len(chunk)
        if result.size > limit:
            raise DecompressionBomb
        if keep:
            kept.append(chunk)
        if search and not result.found:
            window = overlap + chunk
            result.found = any(needle in window for needle in search)  # memchr speed, unlike re
            overlap = chunk[-16:]
    if keep:
        result.data = b"".join(kept)
    return result


def measure_data(
    raw: bytes, chain: Chain, budget: Budget, *, keep: bool = False, search: Needles = ()
) -> Decoded:
    """``decode`` against the document's budget for non-picture data, which it spends."""
    result = decode(raw, chain, budget.data_left, keep=keep, search=search)
    budget.data_left -= result.size
    return result


def _stage(
    name: str, parms: pikepdf.Object | None, chunks: Iterable[bytes], result: Decoded, limit: int
) -> Iterator[bytes]:
    # Each stage is bounded on its own too: an intermediate stage of a chain could otherwise expand
    # without limit before the last stage's output is counted.
    if name == "/FlateDecode":
        stage = _inflate(chunks, result)
    elif name == "/LZWDecode":
        early = parms.get("/EarlyChange", 1) if parms is not None else 1
        stage = _lzw(b"".join(chunks), 0 if early == 0 else 1, result)
    elif name == "/RunLengthDecode":
        stage = _run_length(b"".join(chunks))
    elif name == "/ASCIIHexDecode":
        stage = _ascii_hex(b"".join(chunks), result)
    elif name == "/ASCII85Decode":
        stage = _ascii85(b"".join(chunks), result)
    else:  # identity Crypt: the data is already decrypted by qpdf
        stage = iter(chunks)
    total = 0
    for chunk in stage:
        total += len(chunk)
        if total > limit:
            raise DecompressionBomb
        yield chunk


def _inflate(chunks: Iterable[bytes], result: Decoded) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    rest = b""
    for chunk in chunks:
        if inflater.eof:
            rest += chunk
            continue
        data = chunk
        while data and not inflater.eof:
            try:
                # max_length bounds each step's output; the unconsumed input waits for the next step.
                out = inflater.decompress(data, _CHUNK)
            except zlib.error:
                result.damaged = True  # qpdf and viewers stop at the same point
                return
            if out:
                yield out
            data = inflater.unconsumed_tail
        if inflater.eof:
            rest += inflater.unused_data
    if inflater.eof:
        result.trailing = result.trailing or bool(_WHITESPACE.sub(b"", rest))
    else:
        try:
            # Only what zlib holds back for the window (< 64 KB): all input was already consumed.
            tail = inflater.flush()
        except zlib.error:
            result.damaged = True
            return
        if tail:
            yield tail


def _lzw(data: bytes, early: int, result: Decoded) -> Iterator[bytes]:
    # The PDF/TIFF variant: codes of 9 to 12 bits, most significant bit first, 256 clears the table
    # and 257 ends the data. The output is yielded in chunks, so a bomb is stopped by the caller's
    # running total, not by memory; the table itself is at most 4096 entries of 4096 bytes.
    table: list[bytes] = [bytes((i,)) for i in range(256)] + [b"", b""]
    width, previous = 9, b""
    bits = nbits = 0
    out = bytearray()
    for byte in data:
        bits = (bits << 8) | byte
        nbits += 8
        while nbits >= width:
            nbits -= width
            code = (bits >> nbits) & ((1 << width) - 1)
            bits &= (1 << nbits) - 1
            if code == 256:
                del table[258:]
                width, previous = 9, b""
                continue
            if code == 257:
                yield bytes(out)
                return
            if code < len(table) and (code < 256 or code > 257):
                entry = table[code]
            elif code == len(table) and previous:
                entry = previous + previous[:1]
            else:
                result.damaged = True
                yield bytes(out)
                return
            if previous and len(table) < 4096:
                table.append(previous + entry[:1])
            previous = entry
            out += entry
            if len(table) + early >= 1 << width and width < 12:
                width += 1
            if len(out) >= _CHUNK:
                yield bytes(out)
                out.clear()
    yield bytes(out)


def _run_length(data: bytes) -> Iterator[bytes]:
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        if length == 128:
            break
        if length < 128:
            out += data[i + 1 : i + 2 + length]
            i += length + 2
        else:
            out += data[i + 1 : i + 2] * (257 - length)
            i += 2
        if len(out) >= _CHUNK:
            yield bytes(out)
            out.clear()
    yield bytes(out)


def _ascii_hex(data: bytes, result: Decoded) -> Iterator[bytes]:
    yield _text_decoded(data, pikepdf.Name.ASCIIHexDecode, result)


def _ascii85(data: bytes, result: Decoded) -> Iterator[bytes]:
    yield _text_decoded(data, pikepdf.Name.ASCII85Decode, result)


def _text_decoded(data: bytes, name: pikepdf.Name, result: Decoded) -> bytes:
    # Text encodings cannot expand much (ASCIIHex halves, ASCII85 at most quadruples with its "z"
    # for four zeros), so qpdf decodes them at once, in C++: Python's a85decode takes 0.2 s a MB,
    # and ReportLab writes every stream in ASCII85.
    with pikepdf.new() as scratch:
        stream = pikepdf.Stream(scratch, b"")
        stream.write(data, filter=name)
        try:
            return stream.read_bytes()
        except pikepdf.PdfError:
            result.damaged = True
            return b""
