"""SMS: the gateway boundary (a Protocol, a simulator, an HTTP client) and one-time codes."""
