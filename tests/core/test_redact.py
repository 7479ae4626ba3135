import pytest

from core.redact import redact


@pytest.mark.parametrize(("text", "gone"), [
    ("我的电话13812345678请回电", "13812345678"),
    ("联系 138-1234-5678", "138-1234-5678"),
    ("身份证320502199001011234", "320502199001011234"),
    ("住在5栋2单元301室", "301"),
    ("12幢1502的邻居", "1502"),
    ("家里座机0512-66881234", "66881234"),
    ("email me at li@example.com", "li@example.com"),
    ("I live in room 1204", "1204"),
])
def test_personal_data_is_removed(text, gone):
    assert gone not in redact(text)


def test_ordinary_text_is_untouched():
    text = "希望每周三下午增加2次老年助餐，大约有30位老人需要"
    assert redact(text) == text
