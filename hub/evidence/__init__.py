"""The evidence log (存证): an SM3 Merkle transparency log of seal events (RFC 9162 2.1),
signed C2SP checkpoints, and offline-verifiable evidence packages."""
