"""The numpy runtime form of a trained model predicts exactly what the scikit-learn pipelines do."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.dataset import SEED_TEST, read_jsonl
from nlp.model import RUNTIME_ARRAYS, RUNTIME_FILE, Classifier

ODD = ["", "   ", "a  b\n\n c 🤢🤢 ＡＢＣ e-bike 6.21 60% 4-201室", "标题一行\n正文第二行，3号楼电梯坏了",
       "楼道里煤气味很重，好像泄漏了", "Lift BROKEN!!! 电题坏了 dian ti huai le"]


@pytest.fixture(scope="module")
def texts():
    return [e.text for e in read_jsonl(SEED_TEST)] + ODD


def test_training_writes_the_runtime_form_next_to_the_pickle(trained_model):
    assert (trained_model / RUNTIME_ARRAYS).exists() and (trained_model / RUNTIME_FILE).exists()
    assert Classifier(trained_model)._runtime is not None


def test_the_runtime_gives_the_pipelines_categories_kinds_urgency_and_confidences(trained_model, texts):
    fast = Classifier(trained_model)
    slow = Classifier(trained_model, runtime=False)
    cat_proba, cat_labels, kinds, urgent_proba = fast._scores(texts)
    # the full pipelines, features included, as scikit-learn computes them
    assert list(cat_labels) == list(slow.category_model.classes_)
    assert np.allclose(cat_proba, slow.category_model.predict_proba(texts), rtol=0, atol=1e-12)
    assert list(kinds) == list(slow.kind_model.predict(texts))
    assert np.allclose(urgent_proba, slow.urgent_model.predict_proba(texts)[:, 1], rtol=0, atol=1e-12)

    mine, theirs = fast.predict(texts), slow.predict(texts)
    assert [p.category for p in mine] == [p.category for p in theirs]
    assert [p.kind for p in mine] == [p.kind for p in theirs]
    assert [p.urgent for p in mine] == [p.urgent for p in theirs]
    assert [p.needs_review for p in mine] == [p.needs_review for p in theirs]
    assert np.allclose([p.confidence for p in mine], [p.confidence for p in theirs])
    assert any(p.urgent for p in mine) and len({p.category for p in mine}) > 3


def test_a_model_directory_without_the_runtime_form_still_predicts_through_the_pickle(trained_model, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(trained_model, old)
    (old / RUNTIME_ARRAYS).unlink()
    clf = Classifier(old)
    assert clf._runtime is None
    assert [p.category for p in clf.predict(ODD)] == [p.category for p in Classifier(trained_model).predict(ODD)]


def test_predicting_with_the_runtime_form_never_imports_scikit_learn(trained_model):
    code = (
        "import sys\n"
        "from nlp.model import Classifier\n"
        f"p = Classifier({str(trained_model)!r}).predict(['3号楼电梯坏了好几天', '希望开办四点半课堂'])\n"
        "assert len(p) == 2\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_hashed_key_index_finds_exactly_what_a_binary_search_finds():
    from nlp.fastvec import KeyIndex, _lookup, _table

    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**42, 40_000).astype(np.uint64))
    table = _table(keys, np.arange(len(keys)))
    index = KeyIndex(*table)
    queries = np.concatenate([keys, rng.integers(0, 2**42, 40_000).astype(np.uint64), np.zeros(3, np.uint64)])
    rng.shuffle(queries)
    cols, found = index.lookup(queries)
    want_cols, want_found = _lookup(table, queries)
    assert (found == want_found).all() and (cols == want_cols).all()
    assert found.sum() == len(keys)


def test_normalising_gives_exactly_nfkc_in_lower_case():
    import csv
    import unicodedata

    from nlp.tokenize import normalize

    texts = ["Ａ\u0301ＢＣ，３号楼　电梯…①㎡", "ｅ－ｂｉｋｅ（充电）！", "plain ascii", "", "ﬁ ＫＭ ｶﾀｶﾅ 〜", *ODD]
    tipdm = Path("/work/shared/data/tipdm2020/messages.csv")
    if tipdm.exists():
        with tipdm.open(encoding="utf-8") as f:
            texts += [r["title"] + "\n" + r["detail"] for _, r in zip(range(2000), csv.DictReader(f), strict=False)]
    for text in texts:
        assert normalize(text) == unicodedata.normalize("NFKC", text).lower()
