"""The stable command-line contracts: predict, cluster, evaluate, rollback, ensure-model."""

import csv
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from app.cli import app
from nlp.dataset import SEED_TEST, SEED_TRAIN, read_jsonl

runner = CliRunner()


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_predict_writes_one_json_line_per_input_line_even_for_bad_ones(trained_model):
    stdin = "\n".join([json.dumps({"text": "3号楼电梯坏了"}, ensure_ascii=False), "not json",
                       json.dumps({"id": 7, "text": "楼道里有煤气味，好像漏气了"}, ensure_ascii=False),
                       json.dumps({"text": ""})]) + "\n"
    result = runner.invoke(app, ["nlp", "predict", "--model", str(trained_model)], input=stdin)
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert len(out) == 4
    assert set(out[0]) >= {"category", "kind", "urgent", "confidence"} and out[0]["category"] == "facility_repair"
    assert "error" in out[1] and "line 2" in out[1]["error"]
    assert out[2]["id"] == 7 and out[2]["urgent"] is True
    assert "error" in out[3]


def test_predict_without_an_active_model_says_what_to_do(engine):
    result = runner.invoke(app, ["nlp", "predict"], input='{"text": "x"}\n')
    assert result.exit_code == 2 and "needs nlp train" in result.output


def test_cluster_gives_each_input_id_a_cluster_shared_by_the_same_issue():
    rows = [{"id": "a", "text": "3号楼电梯又坏了，老人下不了楼"}, {"id": "b", "text": "北门垃圾桶满了没人清运"},
            {"id": "c", "text": "三号楼电梯停了两天，老人下不了楼"},
            {"id": "d", "text": "三号楼电梯停了两天，老人下不了楼", "place": "另一个社区"}]
    stdin = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{\"text\": \"no id\"}\n"
    result = runner.invoke(app, ["nlp", "cluster"], input=stdin)
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert [o.get("id") for o in out[:4]] == ["a", "b", "c", "d"] and "error" in out[4]
    by = {o["id"]: o["cluster"] for o in out[:4]}
    assert by["a"] == by["c"] != by["b"] and by["d"] != by["c"]


def test_evaluate_cross_validates_a_csv_joining_text_columns_and_dropping_duplicates(tmp_path):
    examples = [e for e in read_jsonl(SEED_TRAIN) if e.category in ("elderly_care", "parking_traffic", "health")]
    path = tmp_path / "data.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "detail", "label"])
        for e in examples[:90]:
            w.writerow([e.text[:8], e.text, e.category])
        w.writerow([examples[0].text[:8], examples[0].text, examples[0].category])  # a duplicate
    report = tmp_path / "report"
    result = runner.invoke(app, ["nlp", "evaluate", "--dataset", str(path), "--text-col", "title", "--text-col",
                                 "detail", "--label-col", "label", "--folds", "3", "--report", str(report)])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    m = re.fullmatch(r"macro_f1=(0\.\d{4}|1\.0000) accuracy=(0\.\d{4}|1\.0000)", last)
    assert m and float(m.group(1)) > 0.6
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    assert data["duplicates_dropped"] == 1 and data["n"] == 90
    assert set(data["per_class"]) == {"elderly_care", "parking_traffic", "health"}
    assert len(data["confusion"]) == 3 and (report / "confusion.png").stat().st_size > 1000
    assert "| class | precision | recall | F1 | support |" in (report / "report.md").read_text(encoding="utf-8")


def test_evaluate_names_the_missing_column(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "a", "category": "x"}\n', encoding="utf-8")
    result = runner.invoke(app, ["nlp", "evaluate", "--dataset", str(path), "--label-col", "label"])
    assert result.exit_code == 2 and "missing columns ['label']" in result.output


def test_rollback_activates_the_previous_model_version(session, trained_model, tmp_path):
    from nlp.registry import get_classifier, register

    older = tmp_path / "older"
    shutil.copytree(trained_model, older)
    meta = json.loads((older / "meta.json").read_text(encoding="utf-8"))
    meta["version"] = "00000000-000000-older"
    (older / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    register(session, older)
    newer = register(session, trained_model)
    assert get_classifier(session).version == newer.version
    result = runner.invoke(app, ["nlp", "rollback"])
    assert result.exit_code == 0 and "00000000-000000-older" in result.output
    session.expire_all()
    assert get_classifier(session).version == "00000000-000000-older"
    assert runner.invoke(app, ["nlp", "rollback"]).exit_code == 2  # nothing older left


def test_evaluate_without_a_dataset_scores_the_active_model_on_the_seed_test_split(with_model, tmp_path):
    result = runner.invoke(app, ["nlp", "evaluate", "--report", str(tmp_path / "seed")])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"macro_f1=0\.\d{4} accuracy=0\.\d{4}", result.output.strip().splitlines()[-1])
    data = json.loads((tmp_path / "seed" / "report.json").read_text(encoding="utf-8"))
    assert data["model"] == with_model.version and data["n"] == len(read_jsonl(SEED_TEST))
    assert len(data["per_class"]) >= 16


def test_predict_reads_a_text_with_a_lone_surrogate_instead_of_failing(trained_model):
    stdin = '{"text": "3号楼电梯\\ud800坏了"}\n{"text": "路灯坏了"}\n'
    result = runner.invoke(app, ["nlp", "predict", "--model", str(trained_model)], input=stdin)
    assert result.exit_code == 0, result.output
    out = _lines(result.stdout)
    assert len(out) == 2 and all("category" in o for o in out)


@pytest.mark.slow  # trains a model
def test_ensure_model_trains_a_new_model_when_the_active_one_is_of_an_older_format(session, trained_model, tmp_path):
    from nlp.model import MODEL_FILE
    from nlp.registry import get_classifier, register

    old = tmp_path / "old"
    shutil.copytree(trained_model, old)
    (old / MODEL_FILE).unlink()  # as a directory written before the single model format
    register(session, old)
    result = runner.invoke(app, ["nlp", "ensure-model"])
    assert result.exit_code == 0, result.output
    assert "needs nlp train" in result.output and "trained " in result.output
    session.expire_all()
    assert get_classifier(session).version != json.loads((old / "meta.json").read_text(encoding="utf-8"))["version"]
    assert "active model" in runner.invoke(app, ["nlp", "ensure-model"]).output  # now nothing to do
