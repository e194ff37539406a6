"""Header normalisation: case, accents, punctuation, camelCase, numbering and qualifiers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# words that say which of several similar columns this is; value = preference (1.0 best)
QUALIFIERS: dict[str, float] = {
    "primary": 1.0, "main": 1.0, "preferred": 1.0, "default": 1.0, "principal": 1.0,
    "work": 0.98, "business": 0.98, "office": 0.98, "company": 0.98, "corporate": 0.98,
    "geschaftlich": 0.98, "gesch": 0.98, "dienstlich": 0.98, "buro": 0.98, "firma": 0.98,
    "travail": 0.98, "professionnel": 0.98, "professionnelle": 0.98, "pro": 0.98, "bureau": 0.98,
    "trabajo": 0.98, "laboral": 0.98, "oficina": 0.98, "lavoro": 0.98, "ufficio": 0.98,
    "aziendale": 0.98, "trabalho": 0.98, "comercial": 0.98, "werk": 0.98, "zakelijk": 0.98,
    "kantoor": 0.98, "mailing": 0.98, "billing": 0.97, "shipping": 0.9, "postal": 0.97,
    "home": 0.9, "private": 0.9, "personal": 0.9, "privat": 0.9, "domicile": 0.9,
    "perso": 0.9, "personnel": 0.9, "personnelle": 0.9, "prive": 0.9, "casa": 0.9,
    "particular": 0.9, "privato": 0.9, "privata": 0.9, "residencial": 0.9, "thuis": 0.9,
    "other": 0.85, "alternate": 0.85, "alt": 0.85, "secondary": 0.85, "additional": 0.85,
    "autre": 0.85, "andere": 0.85, "weitere": 0.85, "otro": 0.85, "altro": 0.85, "outro": 0.85,
    "overig": 0.85, "anders": 0.85,
}

_INDEX_WORDS = {"second": 2, "third": 3, "2nd": 2, "3rd": 3}

# header prefixes naming the object a column belongs to ("Person - Name" in Pipedrive)
PREFIX_OBJECTS: dict[str, str] = {
    "person": "contacts", "contact": "contacts", "lead": "contacts", "people": "contacts",
    "organization": "companies", "organisation": "companies", "org": "companies",
    "company": "companies", "account": "companies",
    "deal": "deals", "opportunity": "deals",
}

# headers that say nothing: "Field3", "Column 7", "Spalte 2", a spreadsheet column letter ("C")
_MEANINGLESS = re.compile(
    r"^((column|col|field|unnamed|f|c|feld|spalte|colonne|columna|colonna|kolom|kolumn|kolumna|kolonne|"
    r"sloupec|sutun|sarake|coluna|campo|champ|pole)?\s*\d*|[a-z])$")


def fold(text: str) -> str:
    """Lower-case ASCII folding: accents stripped, ß -> ss, ligatures expanded."""
    text = text.replace("ß", "ss").replace("ẞ", "ss")
    for a, b in (("æ", "ae"), ("Æ", "AE"), ("œ", "oe"), ("Œ", "OE"), ("ø", "o"), ("Ø", "O"), ("ł", "l")):
        text = text.replace(a, b)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


HEADER_CHARS = 200  # a header is read this far: no field's name is longer, and regexes stay cheap
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")  # lookarounds: linear time


def _split_camel(text: str) -> str:
    """"firstName" -> "first Name", "HTTPStatus" -> "HTTP Status"."""
    return _CAMEL.sub(" ", text)


def tokens_of(text: str) -> list[str]:
    """The folded word tokens of a text ("E-mail Address" -> ["email", "address"])."""
    text = re.sub(r"__c$", "", text.strip())
    text = _split_camel(text)
    text = fold(text)
    text = re.sub(r"\be[\s\-_.]?mail\b", "email", text)
    text = re.sub(r"\bmails?\b", "email", text)
    text = re.sub(r"\bt[eé]l[eé]?\.?\b", "tel ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return _join_initials(text.split())


def _join_initials(tokens: list[str]) -> list[str]:
    """Runs of two or more single letters become one word ("d o b" -> "dob")."""
    out: list[str] = []
    run: list[str] = []
    for tok in [*tokens, ""]:
        if len(tok) == 1 and tok.isalpha():
            run.append(tok)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return out


@dataclass
class HeaderKey:
    """A normalised header: core tokens, numbering, qualifier and object prefix."""

    raw: str
    tokens: list[str]
    index: int | None = None
    qualifier: str | None = None
    qualifier_weight: float = 1.0
    prefix: str | None = None  # object named by a "Person - " style prefix
    meaningless: bool = False
    all_tokens: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The header's words as written (qualifiers and numbering kept out of `index`)."""
        return " ".join(self.all_tokens)


def parse_header(raw: str) -> HeaderKey:
    """Normalise a header into a HeaderKey (strips "(2)", "1 - Value", qualifiers)."""
    text = str(raw).strip()
    if len(text) > HEADER_CHARS:  # keep a "(2)" numbering at the end
        dup_tail = re.search(r"\s*\(\d{1,6}\)$", text[-10:])
        text = text[:HEADER_CHARS] + (dup_tail.group(0) if dup_tail else "")
    index: int | None = None
    dup = re.search(r"\s*\((\d+)\)\s*$", text)
    if dup:
        index = int(dup.group(1))
        text = text[: dup.start()]
    prefix: str | None = None
    parts = [p.strip() for p in re.split(r"\s+-\s+|\s*:\s+", text) if p.strip()]
    if len(parts) >= 2 and not re.search(r"\d", parts[0]):
        first = " ".join(tokens_of(parts[0]))
        if first in PREFIX_OBJECTS:
            prefix = PREFIX_OBJECTS[first]
            text = " - ".join(parts[1:])
    tokens = tokens_of(text)
    out: list[str] = []
    for tok in tokens:
        if tok.isdigit() and len(tok) <= 2:
            index = index or int(tok)
            continue
        if tok in _INDEX_WORDS and len(tokens) > 1:
            index = index or _INDEX_WORDS[tok]
            continue
        out.append(tok)
    if index is not None and out and out[-1] == "value" and len(out) > 1:
        out.pop()
    all_tokens = list(out)
    qualifier = None
    weight = 1.0
    core = [t for t in out if t not in QUALIFIERS]
    if core and len(core) < len(out):
        quals = [t for t in out if t in QUALIFIERS]
        qualifier = quals[0]
        weight = min(QUALIFIERS[q] for q in quals)
        out = core
    meaningless = not out or bool(_MEANINGLESS.match(" ".join(all_tokens) or ""))
    return HeaderKey(
        raw=str(raw),
        tokens=out,
        index=index,
        qualifier=qualifier,
        qualifier_weight=weight,
        prefix=prefix,
        meaningless=meaningless,
        all_tokens=all_tokens,
    )
