"""Prediction (numpy, nlp/model.py) gives what the scikit-learn pipelines give, without scikit-learn."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp import model, train
from nlp.dataset import SEED_TEST, SEED_TRAIN, Example, read_jsonl
from nlp.model import ARRAYS_FILE, META_FILE, MODEL_FILE, Classifier, ModelFormatError
from nlp.urgency import decide
from tests.nlp.reference import reference_features

ODD = ["", "   ", "a  b\n\n c 🤢🤢 ＡＢＣ e-bike 6.21 60% 4-201室", "标题一行\n正文第二行，3号楼电梯坏了",
       "楼道里煤气味很重，好像泄漏了", "Lift BROKEN!!! 电题坏了 dian ti huai le"]


def _fitted_model(examples: list[Example], out: Path, meta_from: Path):
    """The three models fitted as training fits them, written out, and their scikit-learn pipelines."""
    fitted = train.fit(examples)
    out.mkdir()
    model.save(out, fitted.features, fitted.linear())
    shutil.copy(meta_from / META_FILE, out / META_FILE)  # thresholds
    reference = reference_features([e.text for e in examples], fitted.features.segmenter)
    return Classifier(out), fitted, reference


@pytest.fixture(scope="module")
def texts():
    return [e.text for e in read_jsonl(SEED_TEST)] + ODD


def test_training_writes_one_model_format_and_no_pickle(trained_model):
    assert (trained_model / MODEL_FILE).exists() and (trained_model / ARRAYS_FILE).exists()
    assert not list(trained_model.glob("*.pkl")) and not list(trained_model.glob("*.joblib"))
    clf = Classifier(trained_model)
    assert clf.categories == tuple(sorted(clf.meta["categories"])) and len(clf.categories) == 16
    assert set(clf.kinds) == {"need", "complaint", "suggestion", "inquiry", "praise"}
    assert clf.review_threshold == clf.meta["review_threshold"]


def test_predictions_equal_the_scikit_learn_pipelines_categories_kinds_urgency_and_confidences(
        trained_model, texts, tmp_path):
    clf, fitted, reference = _fitted_model(read_jsonl(SEED_TRAIN), tmp_path / "m", trained_model)
    X = reference.transform(texts)  # the full pipelines, features included, as scikit-learn computes them
    cat_proba, kinds, urgent_proba = clf.scores(texts)
    assert list(clf.categories) == list(fitted.category.classes_)
    assert np.allclose(cat_proba, fitted.category.predict_proba(X), rtol=0, atol=1e-12)
    assert kinds == list(fitted.kind.predict(X))
    assert np.allclose(urgent_proba, fitted.urgent.predict_proba(X)[:, 1], rtol=0, atol=1e-12)

    # the decision rules applied to scikit-learn's numbers give the same predictions
    theirs = fitted.category.predict_proba(X)
    conf = theirs.max(axis=1)
    urgent = [decide(t, u, clf.urgent_threshold)
              for u, t in zip(fitted.urgent.predict_proba(X)[:, 1], texts, strict=True)]
    mine = clf.predict(texts)
    assert [p.category for p in mine] == list(fitted.category.classes_[theirs.argmax(axis=1)])
    assert [p.kind for p in mine] == list(fitted.kind.predict(X))
    assert [p.urgent for p in mine] == urgent
    assert [p.needs_review for p in mine] == [bool(c < clf.review_threshold) or u for c, u in zip(conf, urgent, strict=True)]
    assert np.allclose([p.confidence for p in mine], np.round(conf, 4))
    assert any(p.urgent for p in mine) and len({p.category for p in mine}) > 3


def test_two_category_two_kind_models_equal_scikit_learns_too(trained_model, texts, tmp_path):
    # a two-class model scores one class only; the model directory stores it as two columns
    examples = [e for e in read_jsonl(SEED_TRAIN) if e.category in ("elderly_care", "parking_traffic")]
    examples = [Example(e.text, e.category, "need" if e.kind == "need" else "complaint", e.urgent) for e in examples]
    clf, fitted, reference = _fitted_model(examples, tmp_path / "m2", trained_model)
    X = reference.transform(texts)
    cat_proba, kinds, urgent_proba = clf.scores(texts)
    assert len(clf.categories) == 2 and len(clf.kinds) == 2
    assert np.allclose(cat_proba, fitted.category.predict_proba(X), rtol=0, atol=1e-12)
    assert kinds == list(fitted.kind.predict(X))
    assert np.allclose(urgent_proba, fitted.urgent.predict_proba(X)[:, 1], rtol=0, atol=1e-12)


def test_calibration_gives_every_category_the_same_share_when_all_sigmoids_underflow():
    # first row: a·s + b is about 2e5, exp overflows and every sigmoid is exactly 0 (0 / 0 without the rule)
    scores = np.array([[-1e5, -1e5, -1e5], [0.0, 1.0, -1.0]])
    a, b = np.array([-2.0, -2.0, -2.0]), np.array([0.1, 0.2, 0.3])
    p = model.calibrate(scores, a, b)
    assert np.allclose(p[0], 1 / 3) and np.isclose(p[1].sum(), 1) and p[1].argmax() == 1


def test_a_model_directory_of_the_older_format_is_refused_with_what_to_do(trained_model, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(trained_model, old)
    (old / MODEL_FILE).unlink()
    (old / "runtime.json").write_text(json.dumps({"format": 1}), encoding="utf-8")
    with pytest.raises(ModelFormatError, match="needs nlp train"):
        Classifier(old)


def test_predicting_imports_neither_scikit_learn_nor_the_training_code(trained_model):
    code = (
        "import sys\n"
        "from nlp.model import Classifier\n"
        f"p = Classifier({str(trained_model)!r}).predict(['3号楼电梯坏了好几天', '希望开办四点半课堂'])\n"
        "assert len(p) == 2\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn' or m in ('nlp.train', 'nlp.evaluate')))\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _nlp_imports() -> dict[str, set[str]]:
    """nlp module -> the modules it imports anywhere in its file (inside functions too)."""
    import ast

    out = {}
    for path in (Path(__file__).resolve().parents[2] / "nlp").glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                if node.module == "nlp":
                    found |= {f"nlp.{a.name}" for a in node.names}
        out[f"nlp.{path.stem}"] = found
    return out


def test_the_nlp_modules_import_each_other_without_a_cycle():
    graph = {m: {i for i in imports if i in _nlp_imports()} - {m} for m, imports in _nlp_imports().items()}
    done, path = set(), []

    def visit(m):
        assert m not in path, f"import cycle: {' -> '.join([*path[path.index(m):], m])}"
        if m in done:
            return
        path.append(m)
        for n in graph[m]:
            visit(n)
        path.pop()
        done.add(m)

    for m in graph:
        visit(m)
    assert {"nlp.features", "nlp.tokenize"} <= graph["nlp.model"] | graph["nlp.features"]


def test_the_prediction_modules_import_no_training_code_and_no_scikit_learn():
    imports = _nlp_imports()
    reached, todo = set(), ["nlp.registry", "nlp.model"]
    while todo:
        m = todo.pop()
        if m not in reached:
            reached.add(m)
            todo += [i for i in imports[m] if i in imports]
    assert {"nlp.model", "nlp.features", "nlp.tokenize", "nlp.keywords", "nlp.urgency"} <= reached
    assert not reached & {"nlp.train", "nlp.evaluate"}
    assert not [i for m in reached for i in imports[m] if i.split(".")[0] == "sklearn"]


def test_danger_phrases_are_found_exactly_where_a_full_scan_of_the_text_finds_them(texts):
    import csv

    from nlp.urgency import _DANGER, _DANGER_START, _danger_matches

    assert _DANGER_START is not None  # the pattern's first characters could be read: the fast scan is on
    more = ["GAS LEAK in the kitchen", "I'm stuck in the lift!!", "楼下有人拿刀", "ＳＭＯＫＥ is coming out"]
    tipdm = Path("/work/shared/data/tipdm2020/messages.csv")
    if tipdm.exists():
        with tipdm.open(encoding="utf-8") as f:
            more += [r["title"] + "\n" + r["detail"] for _, r in zip(range(1000), csv.DictReader(f), strict=False)]
    for text in texts + more:
        assert [m.span() for m in _danger_matches(text)] == [m.span() for m in _DANGER.finditer(text)]


def test_the_first_character_class_gives_up_where_a_match_could_start_anywhere():
    import re

    from nlp.urgency import _first_characters

    assert _first_characters(re.compile("a|.b")) is None
    assert _first_characters(re.compile("(x)?y")) is None
    assert _first_characters(re.compile("a|")) is None
    kelvin = _first_characters(re.compile("(k|z)y", re.IGNORECASE))
    assert kelvin is not None and kelvin.match("K") and kelvin.match("\u212a") and not kelvin.match("y")


def test_small_batches_score_as_large_ones(trained_model, texts):
    """A request's few texts are scored from plain arrays, many texts by a sparse product: same numbers."""
    clf = Classifier(trained_model)
    assert len(texts) > model.SPARSE_FROM
    whole = clf.scores(texts)
    for size in (1, 4, model.SPARSE_FROM):
        parts = [clf.scores(texts[i:i + size]) for i in range(0, len(texts), size)]
        assert np.allclose(np.vstack([p[0] for p in parts]), whole[0], rtol=0, atol=1e-12)
        assert sum((p[1] for p in parts), []) == whole[1]
        assert np.allclose(np.concatenate([p[2] for p in parts]), whole[2], rtol=0, atol=1e-12)
    X = clf.features.transform(texts).tocoo()
    entries = clf.features.entries_of(texts)
    rows, cols, values = (np.concatenate(part) for part in zip(*entries, strict=True))
    order = np.lexsort((cols, rows))
    assert np.array_equal(rows[order], X.row) and np.array_equal(cols[order], X.col)
    assert np.allclose(values[order], X.data, rtol=0, atol=1e-15)
