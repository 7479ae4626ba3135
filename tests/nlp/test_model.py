import json

import pytest

from nlp.dataset import SEED_TEST, Example, read_jsonl
from nlp.model import META_FILE, Classifier
from nlp.train import TrainingDataError, review_threshold, train, urgent_threshold


@pytest.fixture(scope="module")
def clf(trained_model):
    return Classifier(trained_model)


def test_every_prediction_has_a_category_kind_urgency_confidence_and_keywords(clf):
    preds = clf.predict(["3号楼电梯坏了好几天，老人下不了楼", "希望社区开办四点半课堂，孩子放学没人接"])
    assert len(preds) == 2
    for p in preds:
        assert p.category in clf.meta["categories"]
        assert p.kind in {"need", "complaint", "suggestion", "inquiry", "praise"}
        assert 0.0 < p.confidence <= 1.0
        assert p.keywords and all(isinstance(k, str) for k in p.keywords)
    assert "电梯" in preds[0].keywords


def test_an_empty_batch_gives_no_predictions(clf):
    assert clf.predict([]) == []


def test_a_live_gas_leak_is_urgent_and_goes_to_a_worker_whatever_the_model_says(clf):
    p = clf.predict(["楼道里煤气味很重，好像泄漏了"])[0]
    assert p.urgent and p.needs_review


def test_low_confidence_predictions_go_to_review(clf):
    preds = clf.predict([e.text for e in read_jsonl(SEED_TEST)], keywords=False)
    for p in preds:
        assert p.needs_review == (p.confidence < clf.review_threshold or p.urgent)


def test_urgent_recall_on_the_untouched_test_split_is_at_least_095(clf):
    test = read_jsonl(SEED_TEST)
    urgent = [e.text for e in test if e.urgent]
    assert urgent, "the test split needs urgent examples"
    caught = sum(p.urgent for p in clf.predict(urgent, keywords=False))
    assert caught / len(urgent) >= 0.95


def test_model_directory_records_data_hash_libraries_thresholds_and_test_metrics(trained_model):
    meta = json.loads((trained_model / META_FILE).read_text(encoding="utf-8"))
    assert len(meta["data_hash"]) == 64
    assert {"scikit-learn", "jieba", "rjieba", "python"} <= set(meta["libraries"])
    assert 0 < meta["review_threshold"] <= 1 and 0 < meta["urgent_threshold"] < 1
    assert meta["metrics"]["test_n"] > 0 and 0 < meta["metrics"]["category_macro_f1"] <= 1
    assert meta["validation"]["trusted_accuracy"] >= 0.95 or meta["validation"]["trusted_share"] == 0


def test_review_threshold_is_the_lowest_confidence_keeping_trusted_predictions_right_enough():
    import numpy as np

    conf = np.array([0.95, 0.9, 0.8, 0.7, 0.6, 0.5])
    correct = np.array([True, True, True, True, False, False])
    assert review_threshold(conf, correct, target=0.95) == 0.7
    assert review_threshold(conf, correct, target=0.8) == 0.6
    assert review_threshold(conf, np.zeros(6, bool), target=0.9) == 1.0


def test_urgent_threshold_keeps_the_recall_asked_for():
    import numpy as np

    proba = np.array([0.9, 0.6, 0.3, 0.1, 0.05])
    y = np.array([True, True, True, False, False])
    phrase = np.zeros(5, bool)
    t = urgent_threshold(proba, phrase, y, target=1.0)
    assert ((proba >= t) | phrase)[y].all() and t == 0.3
    phrase[2] = True  # the danger phrase catches the third: the model may be stricter
    assert urgent_threshold(proba, phrase, y, target=1.0) > 0.3


@pytest.mark.parametrize("examples, message", [
    ([Example("a", "health", "need", False)] * 5, "two categories"),
    ([Example("a", "health", "need", False)] * 5 + [Example("b", "safety", "need", True)], "fewer than"),
])
def test_degenerate_training_data_is_refused_with_a_clear_message(tmp_path, examples, message):
    with pytest.raises(TrainingDataError, match=message):
        train(examples, tmp_path)
