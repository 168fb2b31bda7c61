"""The hub's view of its vendors: which adapters exist and which one serves a seal."""
