"""Logging in: the account-facing login, refresh, logout and password-change service and
its routes (`/api/v1/auth/...`). It lives with the accounts it checks; `hub.auth` keeps
what every area needs and imports nothing of `tenants`: tokens, principals, guards,
password primitives, sessions, the lockout and the spray brake."""
