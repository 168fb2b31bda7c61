"""Accessor of the hub's TSA for controllers (built, with each tenant's choice of TSA, in
hub.services)."""

from __future__ import annotations

from typing import Any

from hub.tsa.authority import HubTimeStampAuthority


def hub_tsa(state: Any) -> HubTimeStampAuthority:
    tsa: HubTimeStampAuthority = state.tsa
    return tsa
