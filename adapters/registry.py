"""Adapter discovery through the entry-point group `sealhub.adapters`.

Each entry point names an adapter *kind* (`local = adapters.local:LocalVendor`) and loads
a class that satisfies `AdapterFactory` and whose instances satisfy `SealVendor`.
Discovery validates before anything is used, pluggy-style: a duplicate kind, an object
that is not such a class, or a method that is not a coroutine is rejected with an
`AdapterLoadError` naming the distribution at fault. Kinds or distributions in
`settings.adapters.blocklist` are never imported.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from adapters.errors import AdapterLoadError
from adapters.protocol import OPERATIONS, AdapterContext, SealVendor

GROUP = "sealhub.adapters"


@dataclass(frozen=True)
class Rejection:
    kind: str
    distribution: str
    reason: str


@dataclass(frozen=True)
class AdapterKind:
    kind: str
    distribution: str
    factory: type[Any]


def _distribution(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.name if dist is not None else "<unknown distribution>"


def protocol_problems(obj: Any) -> list[str]:
    """What keeps `obj` (a class or an instance) from being a SealVendor; [] if nothing."""
    problems = []
    for op in OPERATIONS:
        method = getattr(obj, op, None)
        if method is None:
            problems.append(f"missing method {op}()")
        elif not inspect.iscoroutinefunction(method):
            problems.append(f"{op}() is not async")
    return problems


class AdapterRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, AdapterKind] = {}
        self.rejected: list[Rejection] = []
        self.blocked: list[Rejection] = []

    @classmethod
    def discover(
        cls,
        *,
        blocklist: Iterable[str] = (),
        eps: Iterable[EntryPoint] | None = None,
        strict: bool = True,
    ) -> AdapterRegistry:
        """Load every adapter kind. strict: raise on the first bad entry point; otherwise
        record it in `rejected` and go on (the hub keeps serving the good vendors)."""
        registry = cls()
        blocked = set(blocklist)
        found = list(entry_points(group=GROUP) if eps is None else eps)
        for ep in found:
            dist = _distribution(ep)
            if ep.name in blocked or dist in blocked:
                registry.blocked.append(Rejection(ep.name, dist, "in settings.adapters.blocklist"))
                continue
            try:
                registry._load(ep, dist)
            except AdapterLoadError as exc:
                if strict:
                    raise
                registry.rejected.append(Rejection(ep.name, dist, exc.detail))
        return registry

    def _load(self, ep: EntryPoint, dist: str) -> None:
        def fail(reason: str) -> AdapterLoadError:
            return AdapterLoadError(
                f"adapter '{ep.name}' from distribution '{dist}' rejected: {reason}",
                vendor=ep.name,
                distribution=dist,
            )

        if ep.name in self._kinds:
            first = self._kinds[ep.name].distribution
            raise fail(f"duplicate adapter kind (already provided by '{first}')")
        try:
            obj = ep.load()
        except Exception as exc:
            raise fail(f"cannot import {ep.value}: {exc!r}") from exc
        if not inspect.isclass(obj):
            raise fail(f"{ep.value} is not a class")
        if not callable(getattr(obj, "from_config", None)):
            raise fail("class has no from_config(name, config, context)")
        problems = protocol_problems(obj)
        if problems:
            raise fail("does not satisfy SealVendor: " + "; ".join(problems))
        self._kinds[ep.name] = AdapterKind(ep.name, dist, obj)

    def register(self, kind: str, factory: type[Any], distribution: str = "<in-process>") -> None:
        """Add a kind without an entry point (tests, embedding). Same validation."""
        ep = EntryPoint(
            name=kind, value=f"{factory.__module__}:{factory.__qualname__}", group=GROUP
        )
        if kind in self._kinds:
            raise AdapterLoadError(
                f"adapter '{kind}' from '{distribution}' rejected: duplicate adapter kind",
                vendor=kind,
                distribution=distribution,
            )
        problems = protocol_problems(factory)
        if problems or not callable(getattr(factory, "from_config", None)):
            raise AdapterLoadError(
                f"adapter '{ep.name}' from '{distribution}' rejected: "
                + "; ".join(problems or ["no from_config"]),
                vendor=kind,
                distribution=distribution,
            )
        self._kinds[kind] = AdapterKind(kind, distribution, factory)

    def kinds(self) -> list[str]:
        return sorted(self._kinds)

    def get(self, kind: str) -> AdapterKind:
        try:
            return self._kinds[kind]
        except KeyError:
            raise AdapterLoadError(
                f"no adapter of kind '{kind}' is installed (or it is block-listed)",
                vendor=kind,
                distribution="<none>",
            ) from None

    def create(
        self, kind: str, name: str, config: Mapping[str, str], context: AdapterContext
    ) -> SealVendor:
        """Instantiate vendor `name` with adapter `kind`; the instance is checked too."""
        entry = self.get(kind)
        vendor = entry.factory.from_config(name, config, context)
        if not isinstance(vendor, SealVendor) or protocol_problems(vendor):
            raise AdapterLoadError(
                f"adapter '{kind}' from '{entry.distribution}' built an object that is not a "
                "SealVendor",
                vendor=name,
                distribution=entry.distribution,
            )
        return vendor
