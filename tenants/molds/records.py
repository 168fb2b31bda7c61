"""Mold registry records (印模库) and their bulk import from CSV plus images (pure).

A record is what the police seal registry holds for one physical seal: the seal code,
the unit's name and unified social credit code, the seal type, the mold image, its size
in millimetres and its status. Bulk import takes a CSV (UTF-8, optional BOM; English or
Chinese headers) and the images it names; every row is checked on its own, so a bad row
is reported by line number and field while the good rows are kept.

    seal_code,unit_name,credit_code,seal_type,image,width_mm,height_mm,status
    3301060012345,杭州市某某科技有限公司,91330106MA2XXXXXXX,official,a.png,42,42,active

`size_mm` may replace width/height for round and square seals.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from adapters.protocol import SEAL_TYPES
from hub.errors import PayloadTooLarge, SealHubError, ValidationFailed
from tenants.molds.pictures import normalise_mold
from tenants.validation import parse_credit_code


class MoldStatus(StrEnum):
    ACTIVE = "active"  # 在用
    SUSPENDED = "suspended"  # 停用
    REVOKED = "revoked"  # 注销 / 缴销


_STATUS_ALIASES = {
    "active": MoldStatus.ACTIVE,
    "在用": MoldStatus.ACTIVE,
    "正常": MoldStatus.ACTIVE,
    "有效": MoldStatus.ACTIVE,
    "suspended": MoldStatus.SUSPENDED,
    "停用": MoldStatus.SUSPENDED,
    "挂失": MoldStatus.SUSPENDED,
    "revoked": MoldStatus.REVOKED,
    "注销": MoldStatus.REVOKED,
    "缴销": MoldStatus.REVOKED,
    "作废": MoldStatus.REVOKED,
}

_SEAL_TYPE_ALIASES = {
    "公章": "official",
    "单位公章": "official",
    "行政章": "official",
    "个人印章": "personal",
    "个人章": "personal",
    "名章": "personal",
    "合同专用章": "contract",
    "合同章": "contract",
    "财务专用章": "finance",
    "财务章": "finance",
    "法定代表人名章": "legal-representative",
    "法人章": "legal-representative",
    "法定代表人章": "legal-representative",
    "发票专用章": "invoice",
    "发票章": "invoice",
}

# CSV header -> field; the Chinese names are those used by provincial seal registries.
_HEADERS = {
    "seal_code": "seal_code",
    "印章编码": "seal_code",
    "印章编号": "seal_code",
    "unit_name": "unit_name",
    "单位名称": "unit_name",
    "credit_code": "credit_code",
    "统一社会信用代码": "credit_code",
    "seal_type": "seal_type",
    "印章类型": "seal_type",
    "image": "image",
    "印模文件": "image",
    "印模": "image",
    "width_mm": "width_mm",
    "宽度": "width_mm",
    "height_mm": "height_mm",
    "高度": "height_mm",
    "size_mm": "size_mm",
    "尺寸": "size_mm",
    "规格": "size_mm",
    "status": "status",
    "状态": "status",
}
REQUIRED = ("seal_code", "unit_name", "credit_code", "seal_type", "image", "status")

_SEAL_CODE = re.compile(r"^[0-9A-Za-z]{6,32}$")
MAX_ROWS = 10_000


def valid_credit_code(code: str) -> bool:
    """GB 32100-2015 unified social credit code (the identity module's rules)."""
    try:
        parse_credit_code(code)
    except ValidationFailed:
        return False
    return True


def seal_type_code(value: str) -> int:
    """GB/T 38540 seal type number from a name, Chinese name or number."""
    text = value.strip()
    name = _SEAL_TYPE_ALIASES.get(text, text.lower())
    if name in SEAL_TYPES:
        return SEAL_TYPES[name]
    if text.isdigit() and int(text) in SEAL_TYPES.values():
        return int(text)
    raise ValueError(f"unknown seal type {value!r} (one of {', '.join(SEAL_TYPES)})")


def mold_status(value: str) -> MoldStatus:
    try:
        return _STATUS_ALIASES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown status {value!r} (active, suspended, revoked)") from None


@dataclass(frozen=True)
class MoldRecord:
    seal_code: str
    unit_name: str
    credit_code: str
    seal_type: int
    width_mm: int
    height_mm: int
    status: MoldStatus
    mold_png: bytes = field(repr=False)  # normalised: red ink, transparent, record size
    source_image: str = ""


@dataclass(frozen=True)
class RowError:
    line: int  # CSV line number (the header is line 1)
    seal_code: str
    field: str
    reason: str


@dataclass
class ImportReport:
    records: list[MoldRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "imported": [r.seal_code for r in self.records],
            "errors": [e.__dict__ for e in self.errors],
        }


def make_record(
    *,
    seal_code: str,
    unit_name: str,
    credit_code: str,
    seal_type: str | int,
    width_mm: int,
    height_mm: int,
    status: str,
    image: bytes,
    source_image: str = "",
) -> MoldRecord:
    """Validate one record and normalise its mold image. Raises ValidationFailed(field)."""
    seal_code = seal_code.strip()
    if not _SEAL_CODE.match(seal_code):
        raise ValidationFailed("the seal code must be 6-32 letters or digits", field="seal_code")
    unit_name = unit_name.strip()
    if not unit_name or len(unit_name) > 100:
        raise ValidationFailed("the unit name must be 1-100 characters", field="unit_name")
    credit_code = parse_credit_code(credit_code, field="credit_code")
    try:
        type_code = seal_type if isinstance(seal_type, int) else seal_type_code(seal_type)
        if type_code not in SEAL_TYPES.values():
            raise ValueError(f"unknown seal type {seal_type}")
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="seal_type") from None
    for name, value in (("width_mm", width_mm), ("height_mm", height_mm)):
        if not 10 <= value <= 100:
            raise ValidationFailed(f"{name} must be 10..100 mm", field=name)
    try:
        state = mold_status(status)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="status") from None
    try:
        mold = normalise_mold(image, width_mm=width_mm, height_mm=height_mm)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, field="image") from None
    return MoldRecord(
        seal_code, unit_name, credit_code, type_code, width_mm, height_mm, state, mold, source_image
    )


def images_from_zip(
    data: bytes, *, max_entries: int = MAX_ROWS, max_bytes: int = 200 * 1024 * 1024
) -> dict[str, bytes]:
    """Images of a bulk import uploaded as one zip, by file name (directories ignored)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationFailed(f"the images archive is not a zip: {exc}", field="images") from exc
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > max_entries:
        raise PayloadTooLarge(f"the images archive has more than {max_entries} files")
    out: dict[str, bytes] = {}
    total = 0
    for info in infos:
        total += info.file_size
        if total > max_bytes:
            raise PayloadTooLarge(f"the images archive expands beyond {max_bytes} bytes")
        with zf.open(info) as member:
            out[info.filename.rsplit("/", 1)[-1]] = member.read(info.file_size + 1)
    return out


def parse_mold_csv(csv_bytes: bytes, images: Mapping[str, bytes]) -> ImportReport:
    """Check every row; keep the good ones, name the bad ones (line, seal code, field)."""
    try:
        text = csv_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"the CSV is not UTF-8: {exc}", field="csv") from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("the CSV is empty", field="csv") from None
    columns = [_HEADERS.get(h.strip().lower(), _HEADERS.get(h.strip(), "")) for h in header]
    missing = [name for name in REQUIRED if name not in columns]
    if "size_mm" not in columns and not {"width_mm", "height_mm"} <= set(columns):
        missing.append("size_mm (or width_mm and height_mm)")
    if missing:
        raise ValidationFailed(f"the CSV lacks columns: {', '.join(missing)}", field="csv")

    report = ImportReport()
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise PayloadTooLarge(f"more than {MAX_ROWS} rows in one import")
        values = {col: cell.strip() for col, cell in zip(columns, row, strict=False) if col}
        code = values.get("seal_code", "")
        if len(row) != len(header):
            report.errors.append(
                RowError(line, code, "row", f"{len(row)} cells, the header has {len(header)}")
            )
            continue
        if code in seen:
            report.errors.append(
                RowError(line, code, "seal_code", f"duplicate of line {seen[code]}")
            )
            continue
        try:
            record = _row_record(values, images)
        except ValidationFailed as exc:
            report.errors.append(RowError(line, code, exc.field, exc.detail))
            continue
        except SealHubError as exc:
            report.errors.append(RowError(line, code, "row", exc.detail))
            continue
        seen[code] = line
        report.records.append(record)
    return report


def _row_record(values: Mapping[str, str], images: Mapping[str, bytes]) -> MoldRecord:
    def size(name: str) -> int:
        raw = values.get(name) or values.get("size_mm", "")
        try:
            return int(float(raw))
        except ValueError:
            raise ValidationFailed(f"{name} is not a number: {raw!r}", field=name) from None

    width, height = size("width_mm"), size("height_mm")
    image_name = values.get("image", "")
    if image_name not in images:
        raise ValidationFailed(
            f"image {image_name!r} is not among the uploaded files", field="image"
        )
    return make_record(
        seal_code=values.get("seal_code", ""),
        unit_name=values.get("unit_name", ""),
        credit_code=values.get("credit_code", ""),
        seal_type=values.get("seal_type", ""),
        width_mm=width,
        height_mm=height,
        status=values.get("status", ""),
        image=images[image_name],
        source_image=image_name,
    )
