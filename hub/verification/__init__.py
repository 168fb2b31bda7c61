"""Public verification: `sealhub verify FILE` and POST /api/v1/verify."""
