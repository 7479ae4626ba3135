"""The shipped model on the independent evaluation splits (nlp/data/eval): the bars of docs/nlp.md.

Validation is where every choice was made; the test split is only scored, and its bars are the
figures first measured on it minus a margin; the test category bar is the goal itself (0.88), since
training on the same data gives the same model (the same figures to the fourth decimal on a new machine).
"""

import pytest

from nlp import benchmark
from nlp.model import Classifier


@pytest.fixture(scope="module")
def figures(trained_model):
    clf = Classifier(trained_model)
    return {split: benchmark.run(split, clf) for split in ("val", "test")}


def test_urgent_alerts_find_the_hazards_without_flooding_the_on_duty_worker(figures):
    for split, precision in (("val", 0.72), ("test", 0.62)):  # achieved 0.781 and 0.676
        f = figures[split]
        assert f["urgent_recall"] >= 0.95 and f["urgent_precision"] >= precision, (split, f)
        assert f["urgent_flagged_share"] <= 0.10, (split, f)


def test_categories_and_kinds_hold_on_messages_the_model_never_saw(figures):
    # achieved: category 0.909 / 0.883, kind 0.897 / 0.914 (val / test)
    assert figures["val"]["category_macro_f1"] >= 0.89, figures["val"]
    assert figures["test"]["category_macro_f1"] >= 0.88, figures["test"]
    assert figures["val"]["kind_macro_f1"] >= 0.87, figures["val"]
    assert figures["test"]["kind_macro_f1"] >= 0.89, figures["test"]


def test_clusters_with_the_models_categories_hold_too(figures):
    assert figures["val"]["cluster_pairwise_f1"] >= 0.90, figures["val"]
    assert figures["test"]["cluster_pairwise_f1"] >= 0.82, figures["test"]  # achieved 0.851
    assert figures["test"]["largest_cluster"] <= 12, figures["test"]
