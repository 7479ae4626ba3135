import csv
from pathlib import Path

import numpy as np

from nlp.dataset import SEED_TEST, read_jsonl
from nlp.model import Classifier

TIPDM = Path("/work/shared/data/tipdm2020/messages.csv")
ODD = ["", "   ", "a  b\n\n c 🤢🤢 ＡＢＣ e-bike 6.21 60% 4-201室", "楼道灯不亮", "标题一行\n正文第二行，3号楼电梯坏了",
       "Lift BROKEN!!! 电题坏了 dian ti huai le"]


def test_the_numpy_features_equal_scikit_learns_exactly(trained_model):
    clf = Classifier(trained_model)
    texts = [e.text for e in read_jsonl(SEED_TEST)] + ODD
    if TIPDM.exists():
        with TIPDM.open(encoding="utf-8") as f:
            texts += [r["title"] + "\n" + r["detail"] for _, r in zip(range(300), csv.DictReader(f), strict=False)]
    fast = clf.features(texts)
    slow = clf.category_model.named_steps["features"].transform(texts)
    assert fast.shape == slow.shape
    assert np.abs((fast - slow).toarray()).max() < 1e-12


def test_models_trained_on_titled_texts_use_the_fast_head_features_too(tmp_path):
    from nlp.fastvec import table_for
    from nlp.train import features, head

    texts = ["标题\n正文内容很长", "另一个标题\n正文", "只有一行"]
    union = features().fit(texts)
    for _, tr in union.transformer_list:
        vec = getattr(tr, "vectorizer", tr)
        table = table_for(vec)
        assert table is not None
        assert np.abs((table.transform(texts) - vec.transform(texts)).toarray()).max() < 1e-12
    assert head("只有一行") == "" and head("标题\n正文") == "标题"
