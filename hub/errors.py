"""One error tree for the whole hub.

Services, formats and crypto raise these; adapters raise `adapters.errors.AdapterError`
subclasses (which live here too so the mapper knows them). `hub.problems` turns every
one of them into an RFC 9457 problem detail. Nothing here knows about HTTP except the
`status` hint each class carries.
"""

from __future__ import annotations

from typing import Any, ClassVar


class SealHubError(Exception):
    """Base of every error the hub raises on purpose."""

    status: ClassVar[int] = 500
    type_slug: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class CryptoError(SealHubError):
    """Malformed key, signature or certificate (input bytes we cannot use)."""

    status = 422
    type_slug = "crypto"
    title = "Cryptographic material is malformed"


class FormatError(SealHubError):
    """Bytes that are not a supported seal, signature or document."""

    status = 422
    type_slug = "format"
    title = "Unsupported or malformed object"


class ValidationFailed(SealHubError):
    """A request field is wrong. `field` names it."""

    status = 422
    type_slug = "validation"
    title = "Invalid request"

    def __init__(self, detail: str, *, field: str, **extra: Any) -> None:
        super().__init__(detail, field=field, **extra)
        self.field = field


class UnsupportedMediaType(ValidationFailed):
    """The body's Content-Type is not the one the endpoint speaks (e.g. POST /tsa)."""

    status = 415
    type_slug = "unsupported-media-type"
    title = "Unsupported media type"


class PayloadTooLarge(SealHubError):
    status = 413
    type_slug = "too-large"
    title = "Payload too large"


class Unauthorized(SealHubError):
    status = 401
    type_slug = "unauthorized"
    title = "Authentication required"


class Forbidden(SealHubError):
    status = 403
    type_slug = "forbidden"
    title = "Not allowed"


class NotFound(SealHubError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(SealHubError):
    status = 409
    type_slug = "conflict"
    title = "Conflict"


class PolicyDenied(SealHubError):
    """A tenant rule forbids the action (approval missing, seal revoked, vendor suspended)."""

    status = 403
    type_slug = "policy-denied"
    title = "Denied by policy"


class PasswordAged(PolicyDenied):
    """The seal's 口令 verified but is past the tenant's rotation age: the problem says
    how to change it (`change_with`: the method and path), which always works with the
    old one."""

    type_slug = "password-aged"
    title = "Seal password must be changed"


class SmsFailed(SealHubError):
    """The SMS provider did not take the message (so no code was sent)."""

    status = 503
    type_slug = "sms-unavailable"
    title = "SMS gateway unavailable"


class TooManyRequests(SealHubError):
    """Too many failed logins from one client address: slow down until `retry_after`."""

    status = 429
    type_slug = "too-many-requests"
    title = "Too many requests"


class Locked(SealHubError):
    """Too many wrong passwords: locked until `retry_after`."""

    status = 423
    type_slug = "locked"
    title = "Locked"


class VendorError(SealHubError):
    """A vendor failed us. `vendor` names it; the caller did nothing wrong."""

    status = 502
    type_slug = "vendor"
    title = "Vendor error"

    def __init__(self, detail: str, *, vendor: str, **extra: Any) -> None:
        super().__init__(detail, vendor=vendor, **extra)
        self.vendor = vendor


class VendorBadAnswer(VendorError):
    status = 502
    type_slug = "vendor-bad-answer"
    title = "Vendor returned an invalid answer"


class VendorUnavailable(VendorError):
    status = 503
    type_slug = "vendor-unavailable"
    title = "Vendor unavailable"


class VendorTimeout(VendorError):
    status = 504
    type_slug = "vendor-timeout"
    title = "Vendor timed out"


class VendorRejected(VendorError):
    """The vendor refused the request as such (its 4xx). Still the vendor is named."""

    status = 502
    type_slug = "vendor-rejected"
    title = "Vendor rejected the request"


class VendorMisconfigured(VendorError):
    status = 503
    type_slug = "vendor-misconfigured"
    title = "Vendor misconfigured"
