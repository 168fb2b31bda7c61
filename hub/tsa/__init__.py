"""Trusted time (RFC 3161 / GB/T 20520 with SM2): the hub's time-stamping authority
(`POST /tsa`), the external-TSA client a tenant may name instead, both behind
`TimeStampAuthority`, and `check_timestamp_token` for verifiers."""
