"""The physical seal-mold registry (印模库): records, normalised mold pictures, the
同模同轨 comparison of a vendor's seal picture with the registered mold, bulk import."""

from tenants.molds.pictures import MoldMatch, compare, ink_mask, normalise_mold
from tenants.molds.records import (
    ImportReport,
    MoldRecord,
    MoldStatus,
    RowError,
    images_from_zip,
    make_record,
    parse_mold_csv,
    seal_type_code,
    valid_credit_code,
)

__all__ = [
    "ImportReport",
    "MoldMatch",
    "MoldRecord",
    "MoldStatus",
    "RowError",
    "compare",
    "images_from_zip",
    "ink_mask",
    "make_record",
    "normalise_mold",
    "parse_mold_csv",
    "seal_type_code",
    "valid_credit_code",
]
