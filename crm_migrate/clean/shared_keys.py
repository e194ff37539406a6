"""An e-mail address that several different people share is nobody's identity.

Legacy exports fill a required e-mail column with placeholders (noemail@..., a company's
info@ inbox for every employee). Rows that share one look like one person to the exact-key
dedupe and to the CRM, which holds an address on one contact only: thirty different people
would become one contact. Such an address is recognised by the names on its rows. It is
shared when two of them are clearly different people: their first names and their last
names both differ, with nicknames, initials and double names allowed for (Anna Lee and
Anna Stone may be one person who married; Jon and Jonathan Lee are one).

Shared by PLACEHOLDER_PEOPLE people or more, the address is left out of all their rows: it
identifies none of them. Shared by two, it stays with the person whose row comes first and
is left out of the other's rows. Each row it is left out of gets an issue that says why.
Rows of one person keep the address and merge as before. Nothing else about the rows
changes, and fuzzy matching still joins true copies among them (same name and phone).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_migrate.dedupe.features import fold
from crm_migrate.dedupe.nicknames import same_first_name

PLACEHOLDER_PEOPLE = 3  # sharing people from which an address is left out of every row


@dataclass
class SharedKey:
    """One address several people share: the rows it is left out of, and why."""

    value: str
    people: int  # two; for a placeholder, the names its rows carry (spellings of one person
    # count once as far as they are written alike)
    rows: list[int]  # positions in the frame
    kept_by: int | None  # the row of the person it stays with (two people), None: no one


def _fold(text: object) -> str:
    return fold(text) if isinstance(text, str) else ""  # NaN, None: no name


def _folded(cells: np.ndarray) -> list[str]:
    return [_fold(c) for c in cells.tolist()]


def _first_agrees(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return True
    if len(a) == 1 or len(b) == 1:  # an initial
        return a[0] == b[0]
    head_a, head_b = a.split()[0], b.split()[0]
    if head_a.startswith(head_b) or head_b.startswith(head_a):  # Jon / Jonathan, Anne Marie / Anne
        return True
    return same_first_name(head_a, head_b)


def _last_agrees(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return bool(set(a.split()) & set(b.split()))  # a double name and one of its parts


def _same_person(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return _first_agrees(a[0], b[0]) and _last_agrees(a[1], b[1])


def _clearly_different(a: tuple[str, str], b: tuple[str, str]) -> bool:
    return bool(a[0] and b[0] and a[1] and b[1]) and not _first_agrees(a[0], b[0]) \
        and not _last_agrees(a[1], b[1])


def different_people(first_a: object, last_a: object, first_b: object, last_b: object) -> bool:
    """Whether two names are clearly two people (both names given on both sides, and the
    first names and the last names both differ, nicknames, initials and double names allowed
    for)."""
    return _clearly_different((_fold(first_a), _fold(last_a)), (_fold(first_b), _fold(last_b)))


def shared_keys(frame: pd.DataFrame, key: str) -> list[SharedKey]:
    """The key values of `frame` (a column of normalised addresses) that different people share.

    `frame` is indexed by row position (as the clean's combined frame is)."""
    if key not in frame.columns or "firstname" not in frame.columns or "lastname" not in frame.columns:
        return []
    # the clean wrote addresses lower-cased and trimmed. Codes and object arrays throughout:
    # an index of strings would be copied into Arrow and back (a second at a million rows)
    values = frame[key].to_numpy(dtype=object)
    codes, uniques = pd.factorize(values)
    empty = {n for n, v in enumerate(uniques) if v is None or v == ""}
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for n in empty:
        counts[n] = 0
    rows = np.flatnonzero((codes >= 0) & (counts[np.maximum(codes, 0)] > 1))
    if not len(rows):
        return []
    first_of = _folded(frame["firstname"].to_numpy(dtype=object)[rows])
    last_of = _folded(frame["lastname"].to_numpy(dtype=object)[rows])
    # most addresses repeat for one person under one spelling: only those whose rows carry
    # two or more names are looked at one by one
    name_codes, name_uniques = pd.factorize(
        np.array([f"{a}\x1f{b}" for a, b in zip(first_of, last_of, strict=True)], dtype=object))
    key_codes = codes[rows].astype(np.int64)
    pairs = np.unique(key_codes * (len(name_uniques) + 1) + name_codes)
    spellings = np.bincount(pairs // (len(name_uniques) + 1), minlength=len(uniques))
    looked = spellings[key_codes] > 1
    rows, key_codes = rows[looked], key_codes[looked]
    first_of = [f for f, keep in zip(first_of, looked.tolist(), strict=True) if keep]
    last_of = [f for f, keep in zip(last_of, looked.tolist(), strict=True) if keep]
    names = dict(zip(rows.tolist(), zip(first_of, last_of, strict=True), strict=True))
    order = np.argsort(key_codes, kind="stable")  # rows of one address together, in row order
    bounds = np.flatnonzero(np.diff(key_codes[order])) + 1
    found: list[SharedKey] = []
    for group in np.split(rows[order], bounds) if len(order) else []:
        positions = group.tolist()
        value = uniques[codes[positions[0]]]
        people: list[tuple[str, str]] = []  # one name per person, in row order
        person_of: dict[int, int] = {}
        different = False  # two of them are clearly different people
        for position in positions:
            name = names[position]
            if not name[0] and not name[1]:
                continue  # no name: says nothing of who it is
            number = next((n for n, known in enumerate(people) if _same_person(name, known)), None)
            if number is None:
                different = different or any(_clearly_different(name, known) for known in people)
                number = len(people)
                people.append(name)
                if different and number + 1 >= PLACEHOLDER_PEOPLE:
                    break  # a placeholder: every row loses it, however many more people share it
            person_of[position] = number
        if not different:
            continue
        if len(people) >= PLACEHOLDER_PEOPLE:
            spelled = {names[p] for p in positions} - {("", "")}
            found.append(SharedKey(str(value), len(spelled), positions, None))
        else:
            keeper = min(p for p, n in person_of.items() if n == 0)
            found.append(SharedKey(str(value), len(people),
                                   [p for p in positions if person_of.get(p, 0) != 0], keeper))
    return found
