"""Abbreviated headers of home-grown systems: CNTCT_FNM, MBL_PHN, CMP_NM, PSTL_CD, DOB_DT.

A header token abbreviates a phrase word when it is a truncation of it ("addr"),
its consonant skeleton or a prefix of that ("mbl", "pstl", "cmp"), or, weaker, any
subsequence that keeps the word's first and last letter ("vname" for "vorname").
One token may also stand for several words by their starts ("pc" = post code).
Matches found here are header evidence only: the caller checks them against the values.
"""

from __future__ import annotations

import re
from functools import lru_cache

# common abbreviations that neither truncate nor drop vowels
KNOWN: dict[str, tuple[str, ...]] = {
    "no": ("number",), "nr": ("number",), "nbr": ("number",), "num": ("number",),
    "amt": ("amount",), "cnt": ("count",), "qty": ("quantity",),
}
# words that name the record a column belongs to; dropped from the front of a header
OWNER_WORDS = ("customer", "contact", "client", "person", "kunde", "cliente", "klant")
# type prefixes of Access/VB naming ("txtFirst", "dtmDOB", "lngContactID"); dropped from the front
TYPE_PREFIXES = frozenset({"txt", "str", "lng", "int", "dtm", "ysn", "mem", "cur", "dbl", "bln", "chk",
                           "cbo", "sng", "byt", "lst", "fld"})
# words that name the type of a value; dropped from the end of a header
TYPE_WORDS = ("date", "code", "name", "text", "timestamp", "ts", "value", "field")
# small words of phrases that abbreviated headers leave out ("date de naissance")
STOP_WORDS = frozenset({"de", "di", "da", "du", "des", "del", "do", "of", "the", "van", "von", "le", "la"})
VOWELS = frozenset("aeiou")
# quality of a truncation/skeleton match, of a mere subsequence, of one token for several words
STRONG, WEAK, GROUP = 1.0, 0.92, 0.88


def skeleton(word: str) -> str:
    """The word without vowels after its first letter, doubled letters once ("address" -> "adrs")."""
    out = word[:1]
    for ch in word[1:]:
        if ch not in VOWELS and ch != out[-1]:
            out += ch
    return out


def _subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(ch in letters for ch in short)


def word_quality(token: str, word: str) -> float:
    """How well a header token abbreviates one word: STRONG, WEAK or 0."""
    if token == word or word in KNOWN.get(token, ()):
        return STRONG
    if not token or not word or token[0] != word[0] or len(token) > len(word) or token.isdigit() or word.isdigit():
        return 0.0
    truncated = len(token) >= 3 and word.startswith(token)
    # vowel-dropped: the token keeps no vowel after its first letter ("mbl", "pstl", "addr")
    dropped = len(token) >= 2 and not VOWELS & set(token[1:]) and skeleton(word).startswith(skeleton(token))
    if truncated or dropped:
        return STRONG
    if len(token) >= 2 and token[-1] == word[-1] and _subsequence(token, word):
        return WEAK
    return 0.0


def _part_quality(part: str, word: str) -> float:
    """A token part standing for one word of several: its start, at least the initial."""
    return word_quality(part, word) or (WEAK if part[0] == word[0] and _subsequence(part, word) else 0.0)


def _group_quality(token: str, words: tuple[str, ...]) -> float:
    """How well one token abbreviates one word, or several by a start-anchored part each ("pc")."""
    if len(words) == 1:
        return word_quality(token, words[0])
    return min(_split_quality(token, words), GROUP)


def _split_quality(token: str, words: tuple[str, ...]) -> float:
    if len(words) == 1:
        return _part_quality(token, words[0])
    best = 0.0
    for cut in range(1, min(len(token), len(words[0]) + 1)):  # a part is never longer than its word
        head = _part_quality(token[:cut], words[0])
        if head:
            best = max(best, min(head, _split_quality(token[cut:], words[1:])))
    return best


def split_digits(tokens: list[str]) -> list[str]:
    """"ln1" -> "ln", "1"; "zip5" -> "zip", "5"."""
    out: list[str] = []
    for tok in tokens:
        match = re.fullmatch(r"([a-z]+)(\d+)", tok)
        out.extend(match.groups() if match else (tok,))
    return out


@lru_cache(maxsize=65536)
def phrase_quality(header: tuple[str, ...], phrase: tuple[str, ...]) -> float:
    """How well header tokens abbreviate a phrase, every token matched in order (0 when not)."""
    if not header:
        return STRONG if all(w in STOP_WORDS for w in phrase) else 0.0
    if not phrase:
        return 0.0
    best = 0.0
    if phrase[0] in STOP_WORDS:
        best = phrase_quality(header, phrase[1:])
    for size in range(1, min(len(phrase), 3) + 1):
        quality = _group_quality(header[0], phrase[:size])
        if quality:
            rest = phrase_quality(header[1:], phrase[size:])
            best = max(best, min(quality, rest))
    return best


def header_forms(tokens: list[str]) -> list[tuple[tuple[str, ...], float]]:
    """The header's tokens and its forms without an owner word in front or a type word at the end."""
    base = split_digits(tokens)
    if any(t.isdigit() and t not in ("1", "5", "9") for t in base):
        return []  # a second or third column of its kind is not guessed from an abbreviation
    base = [t for t in base if not t.isdigit()]
    if len(base) >= 2 and base[0] in TYPE_PREFIXES:
        base = base[1:]
    forms = [(tuple(base), 1.0)]
    if len(base) >= 2 and any(word_quality(base[0], w) == STRONG for w in OWNER_WORDS):
        forms.append((tuple(base[1:]), 0.98))
    for form, weight in list(forms):
        if len(form) >= 2 and any(word_quality(form[-1], w) == STRONG for w in TYPE_WORDS):
            forms.append((form[:-1], weight * 0.98))
    return forms
