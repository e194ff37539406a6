"""Text encoding detection: BOM, NUL patterns, strict UTF-8, then charset-normalizer."""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from charset_normalizer import from_bytes

from crm_migrate.errors import SourceError
from crm_migrate.table import SourceIssue

SAMPLE_BYTES = 1 << 20  # detection never reads more than this

_BOMS: list[tuple[bytes, str, str]] = [
    # (bom, reported codec, codec to read the bytes after the BOM)
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
]


class DetectedEncoding:
    """A detected encoding: the name to report, the codec to read with, and the BOM length."""

    def __init__(self, name: str, codec: str, bom_length: int = 0) -> None:
        self.name = name
        self.codec = codec
        self.bom_length = bom_length

    def __repr__(self) -> str:
        return f"DetectedEncoding({self.name!r}, codec={self.codec!r}, bom={self.bom_length})"


def normalise_codec(name: str) -> str:
    """A user-given encoding name as a Python codec name; SourceError when unknown."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise SourceError(f"unknown encoding {name!r}") from None


def from_name(name: str, sample: bytes) -> DetectedEncoding:
    """The DetectedEncoding for a user-given encoding, skipping a BOM of that encoding."""
    codec = normalise_codec(name)
    if codec in ("utf-8", "utf-8-sig"):
        has_bom = sample.startswith(codecs.BOM_UTF8)
        return DetectedEncoding(codec, "utf-8", 3 if has_bom else 0)
    if codec in ("utf-16", "utf-32"):
        for bom, reported, reader in _BOMS:
            if reported == codec and sample.startswith(bom):
                return DetectedEncoding(codec, reader, len(bom))
        return DetectedEncoding(codec, codec + "-le", 0)
    return DetectedEncoding(codec, codec, 0)


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit in every other position (ASCII-heavy UTF-16)."""
    head = sample[:4096]
    if len(head) < 4:
        return None
    even = head[0::2]
    odd = head[1::2]
    even_nuls = even.count(0) / len(even)
    odd_nuls = odd.count(0) / max(len(odd), 1)
    if odd_nuls > 0.6 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.6 and odd_nuls < 0.1:
        return "utf-16-be"
    return None


def looks_binary(sample: bytes) -> bool:
    """True when an 8-bit sample holds NUL or many control bytes (not text)."""
    head = sample[:65536]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def detect_encoding(sample: bytes, file: str) -> DetectedEncoding:
    """Detect the encoding of a sample of a text file; SourceError when it is binary."""
    for bom, reported, reader in _BOMS:
        if sample.startswith(bom):
            return DetectedEncoding(reported, reader, len(bom))
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return DetectedEncoding("utf-16", utf16, 0)
    if looks_binary(sample):
        raise SourceError("not a text file (binary content)", file=file)
    text_sample = sample
    if len(sample) >= SAMPLE_BYTES:
        # a cut in the middle of a multi-byte character must not fail strict UTF-8
        text_sample = sample[: sample.rfind(b"\n") + 1] or sample[:-4]
    try:
        text_sample.decode("utf-8")
        return DetectedEncoding("utf-8", "utf-8", 0)
    except UnicodeDecodeError:
        pass
    utf8_lines, other_lines = _split_by_utf8(text_sample)
    if utf8_lines:  # guess the code page of the other lines, leaving out the few no code page reads
        readable = [line for line in other_lines if _decodes(line, "cp1252")]
        guessed = _guess_8bit(b"\n".join(readable or other_lines))
    else:
        guessed = _guess_8bit(text_sample)
    if utf8_lines and is_single_byte(guessed):  # some lines UTF-8, the others a code page
        name = "utf-8" if len(utf8_lines) >= len(other_lines) else guessed
        return DetectedEncoding(name, mixed_codec(guessed), 0)
    return DetectedEncoding(guessed, guessed, 0)


# --- files whose lines mix UTF-8 and a single-byte code page ----------------------------

MIXED_PREFIX = "crm-mixed-"  # codec "crm-mixed-cp1252": each line UTF-8 when it is valid UTF-8, else cp1252


def mixed_codec(fallback: str) -> str:
    """The name of the per-line codec: UTF-8 where a line is valid UTF-8, `fallback` elsewhere."""
    return MIXED_PREFIX + codecs.lookup(fallback).name


def mixed_fallback(codec: str) -> str | None:
    """The single-byte code page of a per-line codec name, None for any other codec."""
    normalised = codec.replace("_", "-").lower()
    return codec[len(MIXED_PREFIX):] if normalised.startswith(MIXED_PREFIX) else None


def is_single_byte(codec: str) -> bool:
    """True for a code page where every character is one byte (cp1252, cp1250, ISO-8859-x, KOI8...)."""
    try:
        return len("Aé€Жא".encode(codec, "replace")) == 5 and codecs.lookup(codec).name != "utf-8"
    except LookupError:
        return False


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _split_by_utf8(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """(non-ASCII lines that are valid UTF-8, lines that are not)."""
    utf8: list[bytes] = []
    other: list[bytes] = []
    for line in data.splitlines():
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8.append(line)
        except UnicodeDecodeError:
            other.append(line)
    return utf8, other


def decode_lines(data: bytes, fallback: str, errors: str = "strict") -> str:
    """Bytes decoded line by line: UTF-8 where a line is valid UTF-8, `fallback` elsewhere."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out: list[str] = []
    for line in data.splitlines(keepends=True):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode(fallback, errors))
    return "".join(out)


class _LinewiseDecoder(codecs.BufferedIncrementalDecoder):
    """The incremental form of decode_lines (what pandas' text reader pulls chunks through)."""

    fallback = "cp1252"

    def _buffer_decode(self, input: Any, errors: str, final: bool) -> tuple[str, int]:  # noqa: A002
        data = bytes(input)
        if not final:
            cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1  # whole lines only
            data = data[:cut]
        return decode_lines(data, self.fallback, errors), len(data)


def _search_codec(name: str) -> codecs.CodecInfo | None:
    """The codecs-registry hook that makes "crm-mixed-<code page>" a codec."""
    fallback = mixed_fallback(name)
    if fallback is None:
        return None
    try:
        fallback = codecs.lookup(fallback).name
    except LookupError:
        return None
    utf8 = codecs.lookup("utf-8")
    code_page = fallback

    class Decoder(_LinewiseDecoder):
        fallback = code_page

    def decode(data: Any, errors: str = "strict") -> tuple[str, int]:
        return decode_lines(bytes(data), code_page, errors), len(data)

    return codecs.CodecInfo(utf8.encode, decode, name=MIXED_PREFIX + fallback,
                            incrementalencoder=utf8.incrementalencoder, incrementaldecoder=Decoder)


codecs.register(_search_codec)


MAX_LINE_ISSUES = 20


@dataclass
class MixedLines:
    """Which physical lines (1-based) of a mixed file were read in the code page, or not at all."""

    fallback: str
    other: list[int] = field(default_factory=list)  # read in the code page, not in the majority's
    undecodable: list[int] = field(default_factory=list)  # not even the code page reads them
    majority_utf8: bool = True
    utf8_count: int = 0  # non-ASCII lines that are UTF-8
    samples: dict[int, str] = field(default_factory=dict)

    def problems(self) -> list[tuple[int | None, str]]:
        """(source line, problem) for the first lines of each kind, then a count of the rest."""
        out: list[tuple[int | None, str]] = []
        read_as, rest = ("", "UTF-8") if self.majority_utf8 else ("UTF-8", self.fallback)
        for line in self.other[:MAX_LINE_ISSUES]:
            codec = self.fallback if self.majority_utf8 else "UTF-8"
            out.append((line, f"mixed encodings: source line {line} is {codec}, the rest {rest}; read as "
                              f"{read_as or codec}: {self.samples.get(line, '')!r}"))
        if len(self.other) > MAX_LINE_ISSUES:
            out.append((None, f"mixed encodings: {len(self.other) - MAX_LINE_ISSUES:,} more lines read "
                              f"as {self.fallback if self.majority_utf8 else 'UTF-8'}"))
        for line in self.undecodable[:MAX_LINE_ISSUES]:
            out.append((line, f"source line {line} is neither UTF-8 nor {self.fallback}: "
                              "undecodable bytes replaced"))
        if len(self.undecodable) > MAX_LINE_ISSUES:
            out.append((None, f"{len(self.undecodable) - MAX_LINE_ISSUES:,} more lines with undecodable "
                              "bytes replaced"))
        return out


SAMPLE_LINE_CHARS = 60


def mixed_lines(data: bytes, fallback: str, first_line: int = 1) -> MixedLines:
    """Classify the non-ASCII lines of `data` (its first line numbered `first_line`)."""
    utf8_count = 0
    found = MixedLines(fallback)
    fallback_lines: list[int] = []
    utf8_lines: list[int] = []
    for number, line in enumerate(data.splitlines(), start=first_line):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
            utf8_count += 1
            utf8_lines.append(number)
        except UnicodeDecodeError:
            try:
                text = line.decode(fallback)
            except UnicodeDecodeError:
                found.undecodable.append(number)
                continue
            fallback_lines.append(number)
        found.samples[number] = text[:SAMPLE_LINE_CHARS]
    found.utf8_count = utf8_count
    found.majority_utf8 = utf8_count >= len(fallback_lines)
    found.other = fallback_lines if found.majority_utf8 else utf8_lines
    keep = set(found.other[:MAX_LINE_ISSUES])
    found.samples = {n: t for n, t in found.samples.items() if n in keep}
    return found


_NON_LATIN = (
    "cp1251", "koi8", "iso8859_5", "mac_cyrillic", "cp866", "cp855", "cp1253", "iso8859_7",
    "cp1255", "iso8859_8", "cp1256", "iso8859_6", "shift_jis", "cp932", "euc_jp", "gb2312",
    "gbk", "gb18030", "big5", "euc_kr", "cp949", "cp874", "tis_620", "iso2022", "hz", "johab",
)


def _guess_8bit(sample: bytes) -> str:
    """An 8-bit codec for a non-UTF-8 sample: cp1252 unless a non-Latin script is clear."""
    try:
        sample.decode("cp1252")
        cp1252_ok = True
    except UnicodeDecodeError:
        cp1252_ok = False
    best = from_bytes(sample[:200_000]).best()
    if best is None:
        return "cp1252" if cp1252_ok else "latin-1"
    guessed = codecs.lookup(best.encoding).name.replace("-", "_")
    if cp1252_ok and not guessed.startswith(_NON_LATIN):
        return _western_or_central(sample)
    return codecs.lookup(best.encoding).name


def _odd_symbols(text: str) -> int:
    """Non-ASCII non-letters glued to a letter ('£ukasz', 'Wi³niewska'): signs of a wrong codec."""
    count = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128 or unicodedata.category(ch).startswith("L"):
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if before.isalpha() or after.isalpha():
            count += 1
    return count


# the accented letters of the Latin-script languages whose files we meet, per language
LANGUAGE_LETTERS = tuple(frozenset(letters) for letters in (
    "äöüß", "àâæçéèêëîïôœùûüÿ", "áéíñóúü", "àèéìíîòóùú", "áâãàçéêíóôõú", "éëïöüáèó",  # de fr es it pt nl
    "æøåé", "åäöé", "äöå", "áðéíóúýþæö",  # da/no sv fi is
    "ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű",  # pl cs sk hu
    "čšž", "čćđšž", "ăâîșțşţ", "çğıöşü",  # sl hr ro tr
))
PLAUSIBILITY_BYTES = 200_000  # enough text to judge, without a Python pass over a megabyte
LATIN_CODECS = ("cp1252", "cp1250", "iso8859_2")  # in order of preference when equally plausible


def _implausible_words(text: str) -> int:
    """Words whose accented letters no single language writes together ('Pøíjmení', 'Dvoøák')."""
    count = 0
    for word in text.lower().split():
        accented = {ch for ch in word if ord(ch) > 127 and ch.isalpha()}
        if accented and not any(accented <= letters for letters in LANGUAGE_LETTERS):
            count += 1
    return count


def _western_or_central(sample: bytes) -> str:
    """cp1252 unless cp1250 or ISO-8859-2 reads the sample as more plausible words.

    Czech in cp1250 read as cp1252 gives only letters ('Pøíjmení'), so odd symbols are
    not enough: a word whose accents no one language writes together counts as well.
    """
    sample = sample[:PLAUSIBILITY_BYTES]
    scores: list[tuple[int, int, str]] = []
    for rank, codec in enumerate(LATIN_CODECS):
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text if "\x80" <= ch <= "\x9f")  # C1 controls are never text
        scores.append((_odd_symbols(text) + _implausible_words(text) + 10 * controls, rank, codec))
        if scores[0][0] == 0:  # cp1252 reads it all plausibly: nothing can beat it
            break
    return codecs.lookup(min(scores)[2]).name if scores else "cp1252"


def mixed_encoding_issues(data: bytes, codec: str, file: str) -> list[SourceIssue]:
    """The lines a per-line codec read in the minority's encoding (or not at all), as issues."""
    fallback = mixed_fallback(codec)
    if fallback is None:
        return []
    return [SourceIssue(file, None, None, problem) for _, problem in mixed_lines(data, fallback).problems()]
