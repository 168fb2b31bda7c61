"""Evidence-log tables: leaves, the node table, signed checkpoints, the sealed log key.

One log for the whole hub. Rows are only ever inserted (append-only); the sequencer in
`service.py` is the single writer, serialised by the database itself.
"""

from __future__ import annotations

from piccolo.columns import BigInt, Bytea, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class EvidenceEntry(Table, tablename="evidence_entry"):
    """Leaf `idx` of the log: the canonical event bytes (hub.evidence.events)."""

    idx = BigInt(unique=True)  # 0-based position in the log; gap-free
    tenant = Varchar(length=64, index=True)  # the event's tenant (contents are tenant-scoped)
    leaf = Bytea()
    leaf_hash = Varchar(length=64, index=True)  # hex SM3(0x00 || leaf), to find by hash
    # What the entry is findable by, e.g. "sig:<SM3 of the SES_Signature>" (evidence
    # packages start from a signature); null for events nobody looks up.
    lookup = Varchar(length=80, null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class EvidenceNode(Table, tablename="evidence_node"):
    """Hash of a complete subtree of 2**level leaves: node_key = level << 48 | index.

    Level >= 1 only: a level-0 node is a leaf hash, read from evidence_entry.leaf_hash.
    """

    node_key = BigInt(unique=True)
    hash = Bytea()


class EvidenceCheckpoint(Table, tablename="evidence_checkpoint"):
    """Every checkpoint the hub signed (C2SP text + base64 DER SM2 signature)."""

    size = BigInt(unique=True)
    text = Text()
    signature = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class EvidenceLogKey(Table, tablename="evidence_log_key"):
    """The SM2 log key, sealed under a hub data key wrapped by the master key."""

    name = Varchar(length=32, unique=True)  # "log-key"
    public_key_pem = Text()
    wrapped_data_key = Bytea()
    sealed_private_key = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class EvidenceCosignature(Table, tablename="evidence_cosignature"):
    """A witness's cosignature (C2SP note signature line) on the checkpoint of `size`.

    Unique per (size, witness) (raw index in the migration): a witness that cosigns the
    same checkpoint again (a retry, another replica) adds nothing.
    """

    size = BigInt(index=True)
    witness = Varchar(length=200)  # the witness's key name
    line = Text()  # "— <name> <base64(key ID || timestamp || SM2 signature)>\n"
    created_at = Timestamptz(default=TimestamptzNow())
