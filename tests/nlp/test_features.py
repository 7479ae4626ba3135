"""nlp/features.py computes exactly the TF-IDF matrices of scikit-learn's vectorizers (tests/nlp/reference.py)."""

import csv
from pathlib import Path

import numpy as np
import pytest

from nlp.dataset import SEED_TEST, SEED_TRAIN, read_jsonl
from nlp.features import Features, KeyIndex, head
from nlp.model import Classifier
from nlp.tokenize import Segmenter
from tests.nlp.reference import reference_features

TIPDM = Path("/work/shared/data/tipdm2020/messages.csv")
ODD = ["", "   ", "a  b\n\n c 🤢🤢 ＡＢＣ e-bike 6.21 60% 4-201室", "楼道灯不亮", "标题一行\n正文第二行，3号楼电梯坏了",
       "Lift BROKEN!!! 电题坏了 dian ti huai le", "lone \ud800 surrogate 电梯"]


def _tipdm(n: int, skip: int = 0) -> list[str]:
    if not TIPDM.exists():
        return []
    with TIPDM.open(encoding="utf-8") as f:
        rows = [r for _, r in zip(range(skip + n), csv.DictReader(f), strict=False)][skip:]
    return [r["title"] + "\n" + r["detail"] for r in rows]


def _max_difference(a, b) -> float:
    assert a.shape == b.shape
    return float(np.abs((a - b).toarray()).max()) if a.shape[1] else 0.0


def test_the_models_features_equal_scikit_learns_exactly(trained_model):
    features = Classifier(trained_model).features
    reference = reference_features([e.text for e in read_jsonl(SEED_TRAIN)], features.segmenter)
    texts = [e.text for e in read_jsonl(SEED_TEST)] + [t for t in ODD if "\ud800" not in t] + _tipdm(300)
    assert _max_difference(features.transform(texts), reference.transform(texts)) < 1e-12


def test_titled_texts_get_first_line_blocks_equal_to_scikit_learns_too():
    texts = ["标题\n正文内容很长", "另一个标题\n正文", "只有一行"] + _tipdm(400)
    features = Features().fit(texts)
    reference = reference_features(texts, features.segmenter)
    assert len([b for b in features.blocks if b.n_features]) == 4
    others = texts[:3] + _tipdm(200, skip=400) + [t for t in ODD if "\ud800" not in t]
    assert _max_difference(features.transform(others), reference.transform(others)) < 1e-12
    assert head("只有一行") == "" and head("标题\n正文") == "标题"


def test_one_line_training_texts_give_no_first_line_columns():
    features = Features().fit(["楼道灯不亮", "电梯坏了"])
    assert [b.n_features > 0 for b in features.blocks] == [True, True, False, False]
    assert features.transform(["标题\n正文"]).shape == (1, features.n_features)


def test_a_character_above_every_known_one_is_not_taken_for_the_highest():
    features = Features().fit(["ab", "b"])
    chars = features.blocks[1]
    assert chars.transform(["b"]).nnz == 1 and chars.transform(["c"]).nnz == 0 and chars.transform(["😀"]).nnz == 0


def test_texts_of_punctuation_only_give_a_word_block_without_columns():
    features = Features().fit(["，。", "！！"])
    assert features.blocks[0].n_features == 0
    assert features.blocks[1].n_features == 5  # ",", "。", ",。", "!", "!!" (full-width folded by NFKC)
    assert features.transform(["电梯坏了！"]).shape == (1, 5)


def test_a_lone_surrogate_is_read_as_a_replacement_character():
    features = Features().fit(["电梯\ufffd坏了", "路灯坏了"])
    assert _max_difference(features.transform(["电梯\ud800坏了"]), features.transform(["电梯\ufffd坏了"])) == 0


def test_saved_features_load_back_with_their_own_dictionary():
    seg = Segmenter((("四点半课堂", None, None),))
    texts = ["想报四点半课堂", "四点半课堂什么时候开", "路灯坏了\n北门的路灯坏了三天"]
    features = Features(seg).fit(texts)
    again = Features.load(*features.save())
    assert again.segmenter.user_words == seg.user_words
    assert "四点半课堂" in again.blocks[0].words
    assert _max_difference(again.transform(texts + ODD), features.transform(texts + ODD)) == 0


@pytest.mark.parametrize("n", [0, 1, 40_000])
def test_the_hashed_key_index_finds_exactly_what_a_binary_search_finds(n):
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**42, n).astype(np.uint64))
    index = KeyIndex(keys, np.arange(len(keys)))
    queries = np.concatenate([keys, rng.integers(0, 2**42, 40_000).astype(np.uint64), np.zeros(3, np.uint64)])
    rng.shuffle(queries)
    cols, found = index.lookup(queries)
    pos = np.minimum(np.searchsorted(keys, queries), max(len(keys) - 1, 0))
    want_found = keys[pos] == queries if len(keys) else np.zeros(len(queries), bool)
    assert (found == want_found).all() and (cols == pos[want_found]).all()
    assert found.sum() == len(keys)
