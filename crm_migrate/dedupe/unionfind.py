"""Union-find with cannot-link constraints and a guard against chained groups."""

from __future__ import annotations

from collections.abc import Callable, Iterable


class UnionFind:
    """Disjoint sets over 0..n-1 that keep each set's members and refuse forbidden joins."""

    def __init__(self, size: int, cannot_link: Iterable[tuple[int, int]] = ()) -> None:
        self.parent = list(range(size))
        self.members: dict[int, list[int]] = {}
        self.forbidden: dict[int, set[int]] = {}
        for a, b in cannot_link:
            if a != b:
                self.forbidden.setdefault(a, set()).add(b)
                self.forbidden.setdefault(b, set()).add(a)

    def find(self, item: int) -> int:
        """The root of an item's set (with path halving)."""
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def group(self, root: int) -> list[int]:
        """Members of the set whose root is given."""
        return self.members.get(root, [root])

    def allowed(self, ra: int, rb: int) -> bool:
        """False when some member of one set is marked as not the same record as one of the other."""
        small, other = (ra, rb) if len(self.group(ra)) <= len(self.group(rb)) else (rb, ra)
        for member in self.group(small):
            for partner in self.forbidden.get(member, ()):
                if self.find(partner) == other:
                    return False
        return True

    def union(self, a: int, b: int) -> bool:
        """Join the sets of a and b unless forbidden; True when they are (now) one set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.forbidden and not self.allowed(ra, rb):
            return False
        self._link(ra, rb)
        return True

    def _link(self, ra: int, rb: int) -> None:
        if len(self.group(ra)) < len(self.group(rb)):
            ra, rb = rb, ra
        merged = self.group(ra) + self.group(rb)
        self.parent[rb] = ra
        self.members[ra] = merged
        self.members.pop(rb, None)

    def union_checked(self, a: int, b: int, linkable: Callable[[list[int], list[int]], bool]) -> bool:
        """Join a's and b's sets when allowed and `linkable(set_a, set_b)` agrees."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if self.forbidden and not self.allowed(ra, rb):
            return False
        if not linkable(self.group(ra), self.group(rb)):
            return False
        self._link(ra, rb)
        return True

    def groups(self, min_size: int = 2) -> list[list[int]]:
        """Sets of at least `min_size` members, each sorted, ordered by first member."""
        out = [sorted(m) for m in self.members.values() if len(m) >= min_size]
        if min_size <= 1:
            grouped = {x for m in out for x in m}
            out += [[i] for i in range(len(self.parent)) if i not in grouped]
        return sorted(out, key=lambda g: g[0])
