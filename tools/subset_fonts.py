"""Rebuild the shipped font subsets in hub/pictures/typeface/ (run by hand, not at install).

Needs `pip install fonttools` and Debian's fonts-noto-cjk. The serif subset holds printable
ASCII, common CJK punctuation and GB 2312 level 1 (the 3,755 most used characters), which
keeps it at ~1.1 MB instead of the 26 MB collection.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "hub" / "pictures" / "typeface"
NOTO = Path("/usr/share/fonts/opentype/noto")
SC_FACE = "2"  # JP, KR, SC, TC, HK in the .ttc


def gb2312_level1() -> set[str]:
    chars = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gb2312"))
    return chars


def subset(source: Path, chars: str, out: Path) -> None:
    text = out.with_suffix(".input.txt")
    text.write_text(chars, encoding="utf-8")
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "fontTools.subset",
                str(source),
                f"--font-number={SC_FACE}",
                f"--text-file={text}",
                f"--output-file={out}",
                "--no-hinting",
                "--layout-features=",
            ],
            check=True,
        )
    finally:
        text.unlink()


def main() -> None:
    ascii_ = {chr(c) for c in range(0x20, 0x7F)}
    serif = sorted(gb2312_level1() | ascii_ | set("（）【】《》“”‘’、，。：；！？·—…－〇"))
    subset(NOTO / "NotoSerifCJK-Regular.ttc", "".join(serif), OUT / "NotoSerifSC-Seal.otf")
    (OUT / "NotoSerifSC-Seal.chars.txt").write_text("".join(serif), encoding="utf-8")
    subset(
        NOTO / "NotoSansCJK-Regular.ttc",
        "".join(sorted(ascii_ | set("（）"))),
        OUT / "NotoSansSC-Digits.otf",
    )


if __name__ == "__main__":
    main()
