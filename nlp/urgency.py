"""Explicit danger phrases: a live hazard is urgent whatever the model thinks."""

from __future__ import annotations

import re

# Phrases that mean someone is in danger now. Negations ("没有煤气味") are handled by _NEGATED.
_DANGER = re.compile(
    r"(煤气|燃气|天然气).{0,6}(泄漏|泄露|漏气|味(很|特别|好)?(重|大|浓|冲))|漏气"
    r"|(电线|插座|电箱|配电箱|电表箱).{0,6}(冒火|冒烟|起火|着火|打火|火花)"
    r"|着火了|起火了|失火|火灾|冒黑烟"
    r"|(电梯|电题).{0,8}(困人|关人|被困|困住|卡住.{0,4}人|有人.{0,4}(出不来|困))"
    r"|(摔倒|跌倒|晕倒|昏倒|倒地).{0,10}(起不来|没人|无人|不省人事|流血|昏迷)"
    r"|(昏迷|不省人事|心脏病发|呼吸困难|大出血)"
    r"|(水管|管道).{0,4}爆(裂|了)|淹水|水漫"
    r"|(小孩|孩子|儿童).{0,6}(被困|困在|反锁|爬上窗|掉下)"
    r"|gas leak|smell of gas|on fire|fire in|trapped in (the )?(lift|elevator)|fell and can'?t get up"
    r"|救命|快来人|有生命危险",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"(没有|没|无|不再|已经没|已修好|讲座|知识|宣传|演练|培训)")


def danger_phrase(text: str) -> bool:
    """True when the text names a live hazard (and the hit is not about a talk, a drill or a past event)."""
    for m in _DANGER.finditer(text):
        window = text[max(0, m.start() - 6) : m.end() + 6]
        if not _NEGATED.search(window):
            return True
    return False
