"""Trust: anchors (CA roots, intermediates, pinned maker certificates), CRLs, proofs of
existence, chain validation, the hub CA's CRL and the signed provider status list.

The pure parts (verdicts, store, chain, crl, statuslist) need no database and are what
hub.formats and the offline CLI use; services, tables and controllers are the hub's.
"""
