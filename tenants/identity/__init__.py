"""Real-name identity (实名认证): persons and enterprises of a tenant."""
