"""How long the logo content checks take on the largest accepted files (512 KB).

Run: .venv/bin/python bench/editor_logo_check.py
"""

from __future__ import annotations

import struct
import time
import zlib

from catalogue.editor.services import LOGO_MAX_BYTES, check_logo


def _chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def big_png() -> bytes:
    header = struct.pack(">IIBBBBB", 1024, 1024, 8, 0, 0, 0, 0)
    filler = bytes(range(256)) * ((LOGO_MAX_BYTES - 200) // 256)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", filler)
        + _chunk(b"IEND", b"")
    )


def big_svg() -> bytes:
    head = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 1000">'
    shape = b'<circle cx="500" cy="500" r="10" fill="#000091"/>'
    count = (LOGO_MAX_BYTES - len(head) - 10) // len(shape)
    return head + shape * count + b"</svg>"


def measure(name: str, filename: str, data: bytes, rounds: int = 20) -> None:
    start = time.perf_counter()
    for _ in range(rounds):
        check_logo(filename, data)
    elapsed = (time.perf_counter() - start) / rounds
    print(f"{name}: {len(data) / 1024:.0f} KB checked in {elapsed * 1000:.1f} ms")


if __name__ == "__main__":
    measure("PNG (chunks + CRC)", "logo.png", big_png())
    measure("SVG (defusedxml + element walk)", "logo.svg", big_svg())
