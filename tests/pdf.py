"""Reading a generated PDF as pages, for the tests and the benchmarks."""

from __future__ import annotations

import re
import zlib


def pdf_pages(content: bytes) -> int:
    """The number of page objects, looked for in the file and in its compressed object streams."""
    text = content
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            text += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", text))
