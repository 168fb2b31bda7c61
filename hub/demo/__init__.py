"""`sealhub demo`: the whole job end to end, through the HTTP API of a real hub process."""

from hub.demo.runner import add_demo_command, main

__all__ = ["add_demo_command", "main"]
