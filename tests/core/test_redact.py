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


@pytest.mark.parametrize(("text", "name"), [
    ("王阿姨家楼上漏水", "王阿姨"),
    ("我叫张伟，住在5栋", "张伟"),
    ("请联系社区的刘晓梅老师", "刘晓梅"),
    ("感谢志愿者陈丽丽的帮助", "陈丽丽"),
    ("老王和小李都说好", "小李"),
    ("我是小周，想报名", "小周"),
    ("王小明说楼道灯坏了", "王小明"),
    ("有事请联系王芳", "王芳"),
    ("Mr. Smith helped us a lot", "Smith"),
])
def test_names_are_removed(text, name):
    assert name not in redact(text)
    assert "[姓名]" in redact(text) or "[name]" in redact(text)


@pytest.mark.parametrize("text", ["小区里的老人很多", "有点小毛病", "小高层的电梯坏了", "楼道灯不亮，物业说要等师傅",
                                  "公园里有很多人", "阿姨们都说好", "谢谢社区帮我孩子申请了助学金",
                                  "坡道太陡了，轮椅上不去，等于白修", "家政阿姨干活很马虎"])
def test_words_that_only_look_like_names_stay(text):
    assert redact(text) == text
