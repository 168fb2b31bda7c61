"""The evidence log (存证): an SM3 Merkle transparency log of seal events (RFC 9162 2.1),
C2SP checkpoints (signed notes) cosigned by witnesses, and offline-verifiable evidence
packages that say who signed, who approved and why, with a readable PDF report."""
