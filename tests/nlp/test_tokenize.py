import csv
import pickle
from pathlib import Path

import pytest

from nlp.dataset import SEED_TRAIN, read_jsonl
from nlp.tokenize import Segmenter, jieba_reference, normalize, normalize_many, read_user_dict

TIPDM = Path("/work/shared/data/tipdm2020/messages.csv")


def _texts() -> list[str]:
    texts = [e.text for e in read_jsonl(SEED_TRAIN)][:600]
    if TIPDM.exists():
        with TIPDM.open(encoding="utf-8") as f:
            texts += [r["title"] + "\n" + r["detail"] for _, r in zip(range(300), csv.DictReader(f), strict=False)]
    return texts


def test_rjieba_cuts_like_jieba_with_the_same_user_dictionary():
    # Over all 10,932 seed and TipDM texts 6 differ, in HMM ties on unknown words (docs/nlp.md).
    ref = jieba_reference()
    seg = Segmenter()
    texts = _texts()
    differ = [t for t in texts if seg.cut(t) != ref.lcut(t)]
    assert len(differ) <= len(texts) // 500, differ[:3]


def test_english_with_hyphens_and_decimals_is_split_as_jieba_splits_it():
    ref = jieba_reference()
    text = "e-bike 充电 60% 涨到 6.21 元，4-201 室 Mid-Autumn"
    assert Segmenter().cut(text) == ref.lcut(text)


def test_a_user_dictionary_word_stays_whole_as_in_jieba(tmp_path):
    import jieba

    text = "网格员说适老化改造和四点半课堂都能报名"
    seg = Segmenter((("适老化改造", None, None), ("网格员", None, None)))
    ref = jieba.Tokenizer()
    ref.add_word("适老化改造")
    ref.add_word("网格员")
    assert seg.cut(text) == ref.lcut(text)
    assert "适老化改造" in seg(text) and "网格员" in seg(text)
    assert "适老化改造" not in Segmenter(())(text)


def test_user_dictionary_lines_follow_jiebas_format(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("加装电梯 50 n\n老年助餐\n# a comment\n\n四点半课堂 n\n", encoding="utf-8")
    assert read_user_dict(path) == (("加装电梯", 50, "n"), ("老年助餐", None, None), ("四点半课堂", None, "n"))


def test_a_copied_segmenter_keeps_its_dictionary():
    # scikit-learn clones the feature transformer's segmenter for every cross-validation fold
    seg = Segmenter((("四点半课堂", None, None),))
    clone = pickle.loads(pickle.dumps(seg))  # noqa: S301  our own bytes
    assert clone.user_words == seg.user_words
    assert "四点半课堂" in clone("想报四点半课堂")


@pytest.mark.parametrize("raw, expected", [("ＡＢＣ１２３", "abc123"), ("Lift BROKEN", "lift broken")])
def test_full_width_letters_and_case_are_normalised(raw, expected):
    assert normalize(raw) == expected


def test_normalising_gives_exactly_nfkc_in_lower_case_one_text_or_a_batch():
    import unicodedata

    texts = ["Ａ\u0301ＢＣ，３号楼　电梯…①㎡", "ｅ－ｂｉｋｅ（充电）！", "plain ascii", "", "ﬁ ＫＭ ｶﾀｶﾅ 〜",
             "a  b\n\n c 🤢🤢 ＡＢＣ e-bike 6.21 60% 4-201室", "İstanbul ＩＩ"]
    if TIPDM.exists():
        with TIPDM.open(encoding="utf-8") as f:
            texts += [r["title"] + "\n" + r["detail"] for _, r in zip(range(2000), csv.DictReader(f), strict=False)]
    expected = [unicodedata.normalize("NFKC", t).lower() for t in texts]
    assert [normalize(t) for t in texts] == expected
    assert normalize_many(texts) == expected
    assert normalize_many([]) == []


def test_a_lone_surrogate_becomes_the_replacement_character_which_jieba_can_cut():
    text = "电梯\ud800坏了 ＡＢ"
    assert normalize(text) == normalize_many([text])[0] == "电梯\ufffd坏了 ab"
    assert "电梯" in Segmenter()(text)
