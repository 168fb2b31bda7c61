"""Webhooks: a seal owner hears of every use of their seal (issue 5, "citizens see their
seal being used").

A subscription is (tenant, seal, owner account, URL, secret). Each signing made with the
seal queues one delivery row per active subscription right after the signing is durable
(`hub.signing.services.SigningService.after_signing`); a background worker in the app
lifespan POSTs it. A signing never waits for a receiver.

Payload (`Content-Type: application/json`, UTF-8; the body bytes are fixed when the
delivery is queued, so every attempt sends the same bytes)::

    {"type": "seal.used", "delivery_id": "<uuid>", "subscription_id": "<uuid>",
     "tenant_id": "<uuid>", "seal_id": "<uuid>",
     "signature": {"id": "<uuid>", "signed_at": "<ISO 8601 UTC>", "document_sm3": "<hex>",
                   "vendor": "<name>", "evidence_leaf_hash": "<hex SM3 leaf hash or null>"},
     "uses_url": "/api/v1/seals/<seal_id>/uses"}

Signature header (verify it before trusting a payload)::

    SealHub-Signature: t=<unix seconds>,v1=<hex HMAC-SM3(secret, "<t>." || body)>

`secret` is the subscription's secret as shown once at creation (the `whsec_...` string,
its UTF-8 bytes are the HMAC key). Receivers recompute v1 over the exact body bytes,
compare in constant time, and reject a `t` older than a few minutes (replay).
`hub.webhooks.signing.verify_signature_header` does all three. Also sent:
`SealHub-Delivery: <delivery id>` (dedupe: a delivery may arrive more than once if the
receiver answered 2xx but the answer was lost) and `SealHub-Event: seal.used`.

Delivery: a 2xx answer within the timeout delivers; anything else (non-2xx, timeout,
connection refused) schedules a retry after `retry_base_seconds * 2**(attempt-1)`
(capped at `retry_max_seconds`), until `max_attempts` (defaults: 10 s doubling, capped
at 1 h, 16 attempts: about 7.4 hours), then the delivery is `failed`; it stays in the log
with its payload, and its owner may ask for one more attempt (`.../redeliver`).
Redirects are not followed. Every attempt is logged (number, time, status code, error,
duration). Replica-safe: a worker claims a due delivery with one conditional UPDATE
(status/lease check + a fresh claim token); only the claim holder may record the
outcome, and a claim whose worker died expires after its lease and is retried.

SSRF: a webhook URL must be http(s), without user info, and its host must be in
`SEALHUB_WEBHOOK_ALLOW_HOSTS` (comma-separated; exact names or `*.example.org` for
subdomains; default `127.0.0.1,localhost` for the sandbox). The check runs when a
subscription is created or changed and again before every attempt (the setting may have
narrowed since).

Secrets: 32 random bytes shown once (`whsec_` + base64url); stored only sealed with
`hub.crypto.keystore.seal_secret` under the tenant's data key (AAD bound to the
subscription id); never logged, never returned again.
"""
