"""Authentication: per-tenant JWTs, the verified Principal, guards, login/refresh."""
