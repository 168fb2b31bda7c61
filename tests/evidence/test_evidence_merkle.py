"""RFC 9162 section 2.1 with SM3: tree heads, inclusion and consistency proofs.

The reference here is the RFC's *recursive* definitions, computed with gmssl's pure
Python SM3 (independent of the OpenSSL SM3 the hub uses), against the hub's node-table
generation and its iterative verifiers.
"""

from __future__ import annotations

import functools

import pytest
from gmssl import sm3 as gm_sm3
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.evidence import merkle
from hub.evidence.merkle import (
    EMPTY_ROOT,
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_from_inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

MAX = 17


def H(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(list(data)))


def ref_leaf(leaf: bytes) -> bytes:
    return H(b"\x00" + leaf)


def ref_node(left: bytes, right: bytes) -> bytes:
    return H(b"\x01" + left + right)


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: list[bytes]) -> bytes:
    return _ref_mth(tuple(leaves))


@functools.cache
def _ref_mth(leaves: tuple[bytes, ...]) -> bytes:
    # Cached only because pure-Python SM3 is slow; the recursion is the RFC's definition.
    n = len(leaves)
    if n == 0:
        return H(b"")
    if n == 1:
        return ref_leaf(leaves[0])
    k = split(n)
    return ref_node(_ref_mth(leaves[:k]), _ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = split(n)
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


LEAVES = [f"event {i}".encode() for i in range(MAX)]


@pytest.fixture(scope="module")
def store() -> MemoryHashStore:
    s = MemoryHashStore()
    s.extend(LEAVES)
    return s


@pytest.fixture(scope="module")
def roots() -> dict[int, bytes]:
    return {n: ref_mth(LEAVES[:n]) for n in range(MAX + 1)}


def test_hash_primitives_match_independent_sm3():
    assert leaf_hash(b"abc") == ref_leaf(b"abc")
    assert merkle.node_hash(b"a" * 32, b"b" * 32) == ref_node(b"a" * 32, b"b" * 32)
    assert H(b"") == EMPTY_ROOT
    # SM3 of the empty string (GB/T 32905), so the empty tree head is a known constant.
    assert EMPTY_ROOT.hex() == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"


def test_small_trees_spelled_out():
    a, b, c, d, e = (ref_leaf(x) for x in (b"a", b"b", b"c", b"d", b"e"))
    s = MemoryHashStore()
    s.extend([b"a", b"b", b"c", b"d", b"e"])
    assert root_hash(s, 1) == a
    assert root_hash(s, 2) == ref_node(a, b)
    assert root_hash(s, 3) == ref_node(ref_node(a, b), c)
    assert root_hash(s, 4) == ref_node(ref_node(a, b), ref_node(c, d))
    assert root_hash(s, 5) == ref_node(ref_node(ref_node(a, b), ref_node(c, d)), e)
    # RFC 9162 2.1.5 examples' shapes: PATH(d0 in 5 leaves) = [b, cd, e].
    assert inclusion_proof(s, 0, 5) == [b, ref_node(c, d), e]
    assert inclusion_proof(s, 4, 5) == [ref_node(ref_node(a, b), ref_node(c, d))]
    assert inclusion_proof(s, 2, 3) == [ref_node(a, b)]
    # PROOF(3, D[5]) = [c, d, ab, e]; PROOF(4, D[5]) = [e]; PROOF(2, D[5]) = [cd, e].
    assert consistency_proof(s, 3, 5) == [c, d, ref_node(a, b), e]
    assert consistency_proof(s, 4, 5) == [e]
    assert consistency_proof(s, 2, 5) == [ref_node(c, d), e]


@pytest.mark.parametrize("n", range(MAX + 1))
def test_tree_head_matches_recursive_definition(store, roots, n):
    assert root_hash(store, n) == roots[n]


@pytest.mark.parametrize("n", range(1, MAX + 1))
def test_every_inclusion_proof(store, roots, n):
    paths = [ref_path(m, LEAVES[:n]) for m in range(n)]
    for m in range(n):
        proof = inclusion_proof(store, m, n)
        assert proof == paths[m], (m, n)
        assert verify_inclusion(ref_leaf(LEAVES[m]), m, n, proof, roots[n])
        # Wrong leaf, index or size must fail.
        assert not verify_inclusion(ref_leaf(b"other"), m, n, proof, roots[n])
        for other in range(n):
            if other != m and paths[other] != proof:
                assert not verify_inclusion(ref_leaf(LEAVES[m]), other, n, proof, roots[n])
        if n < MAX:  # the next tree head does not accept the old proof
            assert not verify_inclusion(ref_leaf(LEAVES[m]), m, n + 1, proof, roots[n + 1])
        assert not verify_inclusion(ref_leaf(LEAVES[m]), n, n, proof, roots[n])


@pytest.mark.parametrize("n", range(1, MAX + 1))
def test_every_consistency_proof(store, roots, n):
    for m in range(n + 1):
        proof = consistency_proof(store, m, n)
        expected = [] if m in (0, n) else ref_subproof(m, LEAVES[:n], True)
        assert proof == expected, (m, n)
        assert verify_consistency(m, n, roots[m], roots[n], proof)
        if 0 < m < n:
            assert not verify_consistency(m, n, roots[m], roots[n - 1], proof)
            assert not verify_consistency(m, n, roots[n], roots[n], proof)
            assert not verify_consistency(m, n, roots[m], roots[n], [])
            if m > 1:
                assert not verify_consistency(m - 1, n, roots[m - 1], roots[n], proof)


def _flips(proof: list[bytes]):
    for i in range(len(proof)):
        for bit in (0, 7, 255):
            bad = list(proof)
            bad[i] = (
                bad[i][: bit // 8]
                + bytes([bad[i][bit // 8] ^ (1 << (bit % 8))])
                + bad[i][bit // 8 + 1 :]
            )
            yield bad
    if proof:
        yield proof[:-1]
        yield proof[1:]
        yield list(reversed(proof)) if len(proof) > 1 and proof[0] != proof[-1] else proof[:-1]
        yield [*proof, proof[-1]]
        yield [*proof[:-1], proof[-1][:31]]  # a short hash
    yield [*proof, b"\x00" * 32]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 16, 17])
def test_tampered_proofs_fail(store, roots, n):
    for m in range(n):
        proof = inclusion_proof(store, m, n)
        for bad in _flips(proof):
            assert not verify_inclusion(ref_leaf(LEAVES[m]), m, n, bad, roots[n]), (m, n, bad)
    for m in range(1, n):
        proof = consistency_proof(store, m, n)
        for bad in _flips(proof):
            assert not verify_consistency(m, n, roots[m], roots[n], bad), (m, n)


def test_consistency_edge_cases(roots):
    assert verify_consistency(0, 5, EMPTY_ROOT, roots[5], [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, roots[5], [roots[5]])
    assert verify_consistency(5, 5, roots[5], roots[5], [])
    assert not verify_consistency(5, 5, roots[5], roots[4], [])
    assert not verify_consistency(5, 5, roots[5], roots[5], [roots[5]])
    assert not verify_consistency(6, 5, roots[6], roots[5], [])
    assert not verify_consistency(-1, 5, roots[1], roots[5], [])


def test_bad_arguments_raise_value_error(store):
    for index, size in ((0, 0), (5, 5), (-1, 3), (0, MAX + 1)):
        with pytest.raises(ValueError):
            inclusion_proof(store, index, size)
    for old, new in ((4, 3), (-1, 3), (1, MAX + 1)):
        with pytest.raises(ValueError):
            consistency_proof(store, old, new)
    with pytest.raises(ValueError):
        root_hash(store, MAX + 1)
    assert root_from_inclusion_proof(0, 0, b"\x00" * 32, []) is None


def test_node_table_is_small():
    s = MemoryHashStore()
    s.extend(i.to_bytes(2, "big") for i in range(1000))
    nodes = sum(len(level) for level in s._levels)
    assert nodes == 1000 + 500 + 250 + 125 + 62 + 31 + 15 + 7 + 3 + 1  # complete subtrees only


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=8), min_size=1, max_size=200), st.data())
def test_random_trees(leaves, data):
    s = MemoryHashStore()
    s.extend(leaves)
    n = len(leaves)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    root = ref_mth(leaves[:size]) if size <= 40 else root_hash(s, size)
    assert root_hash(s, size) == root
    proof = inclusion_proof(s, index, size)
    assert verify_inclusion(leaf_hash(leaves[index]), index, size, proof, root)
    cproof = consistency_proof(s, old, size)
    assert verify_consistency(old, size, root_hash(s, old), root, cproof)
    if size <= 40:
        assert proof == ref_path(index, leaves[:size])
        if 0 < old < size:
            assert cproof == ref_subproof(old, leaves[:size], True)
    # A proof for another leaf value never verifies for this one.
    other = data.draw(st.binary(max_size=8))
    if other != leaves[index]:
        assert not verify_inclusion(leaf_hash(other), index, size, proof, root)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 64),
    st.integers(0, 64),
    st.lists(st.binary(min_size=32, max_size=32), max_size=8),
)
def test_random_junk_proofs_never_verify(index, size, junk):
    s = MemoryHashStore()
    s.extend(LEAVES)
    root = root_hash(s, MAX)
    assert not verify_inclusion(leaf_hash(b"not in the tree"), index, size, junk, root)
    if 0 < index < MAX:
        assert not verify_consistency(index, MAX, root_hash(s, index), root_hash(s, 1), junk)
