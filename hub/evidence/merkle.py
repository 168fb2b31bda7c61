"""RFC 9162 section 2.1 Merkle tree with SM3: tree head, inclusion and consistency proofs.

Hashes (RFC 9162 2.1.1, SM3 in place of SHA-256)::

    MTH({})      = SM3()                      the empty tree
    leaf hash    = SM3(0x00 || leaf)
    node hash    = SM3(0x01 || left || right)
    MTH(D[n])    = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

Storage ("node table"): a `HashStore` keeps the hash of every *complete* subtree, addressed
by (level, index) = the subtree over leaves [index * 2**level, (index + 1) * 2**level).
Level 0 holds the leaf hashes. Appending leaf i adds the nodes it completes (on average
one more), and any subtree hash the RFC algorithms need - MTH(D[a:b]) for the aligned
ranges they visit - is a fold of at most log2(n) stored nodes. So a proof at any size is
O(log n) reads, fetched in one `get_nodes` batch (one query for a database store).

Generation follows the RFC's recursive definitions PATH (2.1.3.1) and SUBPROOF (2.1.4.1)
over index ranges; verification is the RFC's iterative algorithms (2.1.3.2, 2.1.4.2),
written independently of generation so tests check one against the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from hub.crypto import sm3

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sm3(b"")

Coord = tuple[int, int]  # (level, index) of a complete subtree


def leaf_hash(leaf: bytes) -> bytes:
    return sm3(LEAF_PREFIX + leaf)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sm3(NODE_PREFIX + left + right)


@runtime_checkable
class HashStore(Protocol):
    """Read access to the node table of one log. Implementations: memory, database."""

    def size(self) -> int:
        """Number of leaves stored."""
        ...

    def get_node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree (level, index); KeyError if not (yet) complete."""
        ...

    def get_nodes(self, coords: Sequence[Coord]) -> list[bytes]:
        """Batch form of get_node, in the given order (one round trip for a DB)."""
        ...


def completed_nodes(index: int, leaf_hash_: bytes, get: NodeGetter) -> list[tuple[int, int, bytes]]:
    """The (level, index, hash) rows appending leaf `index` creates, leaf row included.

    Leaf i completes the subtree at level L+1 whenever its L lowest bits are all ones:
    its left sibling at each level is already stored, so this needs only `get` for those.
    """
    rows = [(0, index, leaf_hash_)]
    level, idx, current = 0, index, leaf_hash_
    while idx & 1:
        left = get(level, idx - 1)
        current = node_hash(left, current)
        level, idx = level + 1, idx >> 1
        rows.append((level, idx, current))
    return rows


class NodeGetter(Protocol):
    def __call__(self, level: int, index: int) -> bytes: ...


class MemoryHashStore:
    """In-memory node table: one list of hashes per level."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    def size(self) -> int:
        return len(self._levels[0])

    def get_node(self, level: int, index: int) -> bytes:
        try:
            if index < 0:
                raise IndexError(index)
            return self._levels[level][index]
        except IndexError:
            raise KeyError((level, index)) from None

    def get_nodes(self, coords: Sequence[Coord]) -> list[bytes]:
        return [self.get_node(level, index) for level, index in coords]

    def append_leaf_hash(self, leaf_hash_: bytes) -> int:
        """Store one leaf hash; returns its index."""
        if len(leaf_hash_) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        index = self.size()
        for level, idx, value in completed_nodes(index, leaf_hash_, self.get_node):
            if level == len(self._levels):
                self._levels.append([])
            assert len(self._levels[level]) == idx  # the table grows strictly in order
            self._levels[level].append(value)
        return index

    def append(self, leaf: bytes) -> int:
        return self.append_leaf_hash(leaf_hash(leaf))

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)


# --- range hashes from the node table -----------------------------------------------------


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_coords(start: int, end: int) -> list[Coord]:
    """Complete subtrees whose right fold is MTH(D[start:end]), largest first.

    Valid for the ranges RFC 9162 recursion visits: `start` is a multiple of every piece.
    """
    coords: list[Coord] = []
    while start < end:
        n = end - start
        piece = n if n & (n - 1) == 0 else _largest_power_of_two_below(n)
        level = piece.bit_length() - 1
        if start % piece:
            raise ValueError(f"range [{start}, {end}) is not aligned for the node table")
        coords.append((level, start >> level))
        start += piece
    return coords


def _fold(pieces: Sequence[bytes]) -> bytes:
    acc = pieces[-1]
    for h in reversed(pieces[:-1]):
        acc = node_hash(h, acc)
    return acc


class _Plan:
    """The ranges a proof or tree head needs; their nodes are fetched in one batch."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def need(self, start: int, end: int) -> None:
        self.ranges.append((start, end))

    def coords(self) -> list[Coord]:
        return [c for a, b in self.ranges for c in _range_coords(a, b)]

    def resolve(self, store: HashStore) -> list[bytes]:
        per_range = [_range_coords(a, b) for a, b in self.ranges]
        flat = [c for coords in per_range for c in coords]
        fetched = store.get_nodes(flat) if flat else []
        out, pos = [], 0
        for coords in per_range:
            out.append(_fold(fetched[pos : pos + len(coords)]))
            pos += len(coords)
        return out


def _root_plan(size: int) -> _Plan:
    plan = _Plan()
    if size:
        plan.need(0, size)
    return plan


def _inclusion_plan(index: int, size: int) -> _Plan:
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside 0..{size - 1}")
    plan = _Plan()
    start, end = 0, size
    # Walk down from the root, remembering each sibling; the proof lists them bottom-up.
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            plan.need(start + k, end)
            end = start + k
        else:
            plan.need(start, start + k)
            start = start + k
    return plan


def _consistency_plan(old_size: int, new_size: int) -> _Plan:
    if not 0 <= old_size <= new_size:
        raise ValueError(f"old size {old_size} outside 0..{new_size}")
    plan = _Plan()
    if old_size in (0, new_size):
        return plan
    m, start, end, complete = old_size, 0, new_size, True
    # SUBPROOF(m, D[start:end], complete), unrolled: siblings collected top-down.
    while True:
        if m == end - start:
            if not complete:
                plan.need(start, end)
            break
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            plan.need(start + k, end)
            end = start + k
        else:
            plan.need(start, start + k)
            m, start, complete = m - k, start + k, False
    return plan


def _check_size(store: HashStore, size: int) -> None:
    if size < 0 or size > store.size():
        raise ValueError(f"tree size {size} outside 0..{store.size()}")


def root_hash(store: HashStore, size: int | None = None) -> bytes:
    """MTH of the first `size` leaves (default: all)."""
    size = store.size() if size is None else size
    _check_size(store, size)
    if size == 0:
        return EMPTY_ROOT
    return _root_plan(size).resolve(store)[0]


def inclusion_proof(store: HashStore, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) (RFC 9162 2.1.3.1), leaf-side first."""
    _check_size(store, size)
    return list(reversed(_inclusion_plan(index, size).resolve(store)))


def consistency_proof(store: HashStore, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) (RFC 9162 2.1.4.1); empty when old is 0 or equal."""
    _check_size(store, new_size)
    return list(reversed(_consistency_plan(old_size, new_size).resolve(store)))


# --- for stores that must prefetch (async databases) ----------------------------------------


def nodes_for_root(size: int) -> list[Coord]:
    return _root_plan(size).coords()


def nodes_for_inclusion(index: int, size: int) -> list[Coord]:
    return _inclusion_plan(index, size).coords()


def nodes_for_consistency(old_size: int, new_size: int) -> list[Coord]:
    return _consistency_plan(old_size, new_size).coords()


def frontier(size: int) -> list[Coord]:
    """The complete subtrees a tree of `size` leaves ends with: what appending needs."""
    return _range_coords(0, size) if size else []


class PrefetchedStore:
    """A HashStore over nodes fetched ahead (one query), for a fixed tree size."""

    def __init__(self, size: int, nodes: dict[Coord, bytes]) -> None:
        self._size = size
        self._nodes = nodes

    def size(self) -> int:
        return self._size

    def get_node(self, level: int, index: int) -> bytes:
        return self._nodes[(level, index)]

    def get_nodes(self, coords: Sequence[Coord]) -> list[bytes]:
        return [self._nodes[c] for c in coords]

    def put(self, level: int, index: int, value: bytes) -> None:
        self._nodes[(level, index)] = value


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------------


def _well_formed(hashes: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def root_from_inclusion_proof(
    index: int, size: int, leaf_hash_: bytes, proof: Sequence[bytes]
) -> bytes | None:
    """The root the proof leads to, or None if the proof cannot be right for (index, size)."""
    if not (0 <= index < size) or not _well_formed([leaf_hash_, *proof]):
        return None
    fn, sn, r = index, size - 1, leaf_hash_
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf_hash_: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    return root_from_inclusion_proof(index, size, leaf_hash_, proof) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 <= old_size <= new_size or not _well_formed([old_root, new_root, *proof]):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # everything is consistent with the empty tree
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
