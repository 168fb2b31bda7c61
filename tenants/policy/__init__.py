"""Per-tenant policy (approval, password rules) and tenant statistics."""
