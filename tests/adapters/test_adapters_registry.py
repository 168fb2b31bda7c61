from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint

import pytest

from adapters.errors import AdapterLoadError
from adapters.local import LocalVendor
from adapters.protocol import AdapterContext, SealVendor
from adapters.registry import GROUP, AdapterRegistry
from hub.errors import VendorMisconfigured
from hub.settings import SecuritySettings, Settings


@dataclass
class FakeDist:
    name: str


def ep(name: str, value: str, dist: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)._for(FakeDist(dist))  # type: ignore[attr-defined]


def test_installed_entry_points_include_the_builtin_adapters():
    registry = AdapterRegistry.discover()
    assert "local" in registry.kinds()
    assert registry.get("local").factory is LocalVendor
    assert registry.get("local").distribution == "sealhub"


def test_duplicate_kind_is_rejected_naming_the_second_distribution():
    eps = [
        ep("acme", "adapters_test_fakes:GoodVendor", "acme-seal"),
        ep("acme", "adapters_test_fakes:GoodVendor", "acme-seal-fork"),
    ]
    with pytest.raises(AdapterLoadError) as info:
        AdapterRegistry.discover(eps=eps)
    assert info.value.distribution == "acme-seal-fork"
    assert "duplicate" in info.value.detail and "acme-seal" in info.value.detail
    assert isinstance(info.value, VendorMisconfigured)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("adapters_test_fakes:SyncSignVendor", "sign() is not async"),
        ("adapters_test_fakes:NoRevokeVendor", "missing method revoke()"),
        ("adapters_test_fakes:not_a_class", "is not a class"),
        ("adapters_test_fakes:DoesNotExist", "cannot import"),
        ("no_such_module_xyz:Vendor", "cannot import"),
    ],
)
def test_objects_not_satisfying_the_protocol_are_rejected(value, reason):
    with pytest.raises(AdapterLoadError) as info:
        AdapterRegistry.discover(eps=[ep("bad", value, "bad-vendor-dist")])
    assert info.value.distribution == "bad-vendor-dist"
    assert reason in info.value.detail
    assert "bad-vendor-dist" in info.value.detail


def test_lenient_discovery_keeps_good_adapters_and_records_the_bad_ones():
    registry = AdapterRegistry.discover(
        eps=[
            ep("good", "adapters_test_fakes:GoodVendor", "good-dist"),
            ep("bad", "adapters_test_fakes:SyncSignVendor", "bad-dist"),
        ],
        strict=False,
    )
    assert registry.kinds() == ["good"]
    assert [(r.kind, r.distribution) for r in registry.rejected] == [("bad", "bad-dist")]


def test_blocklist_by_kind_or_distribution_is_never_imported():
    registry = AdapterRegistry.discover(
        eps=[
            ep("good", "adapters_test_fakes:GoodVendor", "good-dist"),
            ep("evil", "no_such_module_xyz:Vendor", "evil-dist"),  # would fail to import
            ep("meh", "adapters_test_fakes:GoodVendor", "meh-dist"),
        ],
        blocklist=("evil", "meh-dist"),
    )
    assert registry.kinds() == ["good"]
    assert {b.kind for b in registry.blocked} == {"evil", "meh"}


def test_blocklist_comes_from_settings():
    settings = Settings.from_env(
        {"SEALHUB_ADAPTER_BLOCKLIST": "local", "SEALHUB_MASTER_KEY": "00" * 16}
    )
    registry = AdapterRegistry.discover(blocklist=settings.adapters.blocklist)
    assert "local" not in registry.kinds()
    with pytest.raises(AdapterLoadError):
        registry.get("local")


def test_create_checks_the_instance_too():
    registry = AdapterRegistry()
    registry.register("local", LocalVendor)
    context = AdapterContext(settings=Settings(security=SecuritySettings(master_key=b"k" * 16)))
    vendor = registry.create("local", "ref-1", {}, context)
    assert isinstance(vendor, SealVendor) and vendor.name == "ref-1"
    with pytest.raises(AdapterLoadError):
        registry.register("local", LocalVendor)
