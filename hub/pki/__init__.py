"""Public-key infrastructure as data and pure functions: trust anchors and stores, chain
building and validation, SM2 X.509 CRLs, proofs of existence, verdict words, and the
signed provider status list format. No database, no services: hub.formats judges with
it, hub.trust (the trust store service, its API and CLI) manages what goes into it."""
