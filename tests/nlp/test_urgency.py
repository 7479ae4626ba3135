"""Danger phrases fire on live hazards only; the urgency threshold is chosen on the validation split."""

import pytest

from nlp.benchmark import load
from nlp.urgency import calm, choose_threshold, danger_phrase, decide

LIVE = [
    "楼道里煤气味很重，好像泄漏了",
    "4栋楼道里燃气味特别重，快来人看看",
    "我被困在电梯里了，门打不开，手机快没电了",
    "电梯卡在9楼和10楼之间，里面有个老太太，按警铃没人应",
    "我妈在家摔倒了爬不起来，我在外地赶不回去",
    "楼下独居的刘奶奶倒在门口不省人事",
    "楼道配电箱冒火花了，噼里啪啦的，还有焦糊味",
    "有人在楼下拿刀追着人砍，快报警",
    "楼上水管爆了，水顺着墙往下流，电表箱那边全湿了",
    "家里停暖三天了，外面零下，冻得受不了",
    "There's smoke coming out of the flat next door. I think there's a fire.",
    "My elderly neighbour fell in the bathroom and can't get up.",
    "2栋电梯又困人了！现在里面有个孕妇",  # "again", but happening now
]
NOT_LIVE = [
    "上个月4栋燃气味很重，后来查出来是软管老化，现在换好了",  # past
    "上周三栋电梯困了人，维修师傅十分钟就到了，点赞",  # past, praise
    "万一楼里着火了，我们连个灭火器都找不到",  # hypothesis
    "要是电动车在楼道里起火了，应该先断电还是先报警？",
    "燃气安全知识讲座是哪天？",  # a talk
    "下周的消防演练几点开始？",
    "感谢上周来救火的消防员，大家都没事",  # praise
    "燃气灶打不着火了，没有煤气味，就是点不着",  # negated
    "两户人家为了楼道的一块地方打起来过",  # happened once
    "我们两家快打起来了，请社区调解",  # only near
    "电梯经常困人，每次都要等半个多小时",  # a habit
    "急！社区盖章今天下午还能办吗",  # routine 急
    "Could someone fix the broken window? It's freezing in winter.",
]


@pytest.mark.parametrize("text", LIVE)
def test_a_live_hazard_is_a_danger_phrase(text):
    assert danger_phrase(text)


@pytest.mark.parametrize("text", NOT_LIVE)
def test_a_past_hypothetical_praised_negated_or_habitual_hazard_is_not(text):
    assert not danger_phrase(text)


def test_the_model_alone_does_not_make_a_calm_text_urgent():
    assert calm("前天晚上楼道水管爆了，物业师傅半夜赶来关了阀门，谢谢他们")
    assert not decide("前天晚上楼道水管爆了，物业师傅半夜赶来关了阀门，谢谢他们", 0.99, 0.3)
    assert decide("邻居家一直有人在喊，声音很不对劲", 0.8, 0.3)
    assert not decide("邻居家一直有人在喊，声音很不对劲", 0.2, 0.3)


def test_the_threshold_is_the_lowest_that_reaches_the_precision_while_keeping_recall():
    texts = ["a", "b", "c", "d", "e", "f"]
    urgent = [True, True, False, False, False, False]
    proba = [0.9, 0.6, 0.5, 0.3, 0.2, 0.1]
    # at 0.51 both urgent texts are found and nothing else: precision 1
    assert choose_threshold(texts, proba, urgent, recall=1.0, precision=0.9) == 0.51
    # precision 2/3 is reached as soon as only one false alarm is left
    assert choose_threshold(texts, proba, urgent, recall=1.0, precision=0.6) == 0.31
    # unreachable precision: the highest threshold that keeps the recall
    assert choose_threshold(texts, [0.9, 0.6, 0.95, 0.3, 0.2, 0.1], urgent, recall=1.0, precision=0.9) == 0.6


def test_danger_phrases_alone_find_the_validation_splits_urgent_messages_without_many_false_alarms():
    rows = load("val")
    flagged = [danger_phrase(r.text) for r in rows]
    found = sum(f and r.urgent for f, r in zip(flagged, rows, strict=True))
    assert found >= 0.9 * sum(r.urgent for r in rows)
    assert found >= 0.85 * sum(flagged)
