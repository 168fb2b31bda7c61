"""One picture of each seal type: the examples in docs/seals/, which are also the golden
images of tests/pictures/test_pictures_seals.py. After a deliberate change of
the layout, run `python -m hub.pictures.examples` from the checkout, look at the
pictures, and commit them with the change."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hub.pictures.seals import render_personal_seal, render_seal

OUT = Path("docs") / "seals"
UNIT = "杭州市西湖区某某科技有限公司"
LONG_UNIT = "浙江省杭州市西湖区某某网络信息技术服务股份有限公司"

EXAMPLES: dict[str, Callable[[], bytes]] = {
    "official": lambda: render_seal("official", UNIT, seal_code="3301060012345"),
    "official-long": lambda: render_seal("official", LONG_UNIT, seal_code="3301060012345"),
    "contract": lambda: render_seal("contract", UNIT, seal_code="3301060012346"),
    "finance": lambda: render_seal("finance", UNIT, seal_code="3301060012347"),
    "invoice": lambda: render_seal("invoice", UNIT, tax_code="91330106MA2B3C4D5E"),
    "legal-representative": lambda: render_seal("legal-representative", "王小明"),
    "personal-4": lambda: render_personal_seal("张三"),
    "personal-2": lambda: render_personal_seal("张三", layout=2),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, render in EXAMPLES.items():
        (OUT / f"{name}.png").write_bytes(render())


if __name__ == "__main__":
    main()
