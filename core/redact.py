"""Remove personal data (phone and ID numbers, room numbers, emails) where it is not needed."""

from __future__ import annotations

import re

_PATTERNS = [
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), "[身份证号]"),  # resident ID number
    (re.compile(r"(?<!\d)(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s*]?[\d*]{4}){2}(?!\d)"), "[电话]"),  # mobile
    (re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"), "[电话]"),  # landline
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "[邮箱]"),
    # 3栋2单元501室, 12幢301, 5号楼1单元202, 8-2-301
    (re.compile(r"\d{1,3}\s*(?:栋|幢|号楼|座)\s*(?:\d{1,2}\s*单元\s*)?\d{3,4}\s*(?:室|号)?"), "[门牌]"),
    (re.compile(r"(?<![\d-])\d{1,3}-\d{1,2}-\d{3,4}(?![\d-])"), "[门牌]"),
    (re.compile(r"\d{3,4}\s*室"), "[门牌]"),
    (re.compile(r"(?i)\b(?:room|rm\.?|apt\.?|flat)\s*#?\d{2,4}\b"), "[room]"),
]


def redact(text: str) -> str:
    for pattern, token in _PATTERNS:
        text = pattern.sub(token, text)
    return text
