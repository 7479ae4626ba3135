"""`needs nlp cluster --places` and `needs nlp benchmark`: places tables, optional fields, bad input."""

import json

from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()
PLACES = "code,name,kind,parent,aliases\nS,测试街道,street,,\nS-C,河西社区,community,S,\n" \
         "S-C-1,望湖苑,compound,S-C,望湖小区|Wanghu\nS-C-2,柳岸新村,compound,S-C,柳岸村\n"


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_a_places_table_resolves_aliases_and_keeps_unplaced_requests_alone(tmp_path):
    places = tmp_path / "places.csv"
    places.write_text(PLACES, encoding="utf-8")
    rows = [{"id": "a", "text": "望湖苑3栋电梯又坏了", "category": "facility_repair"},
            {"id": "b", "text": "3号楼电梯停了两天", "place": "S-C-1"},
            {"id": "c", "text": "Wanghu building 3 lift is broken again"},
            {"id": "d", "text": "柳岸村3栋电梯又坏了"},
            {"id": "e", "text": "3栋电梯又坏了"},
            {"id": "f", "text": "3栋电梯又坏了", "place": 42}]
    stdin = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    result = runner.invoke(app, ["nlp", "cluster", "--places", str(places)], input=stdin)
    assert result.exit_code == 0, result.output
    by = {o["id"]: o["cluster"] for o in _lines(result.stdout)}
    assert by["a"] == by["b"] == by["c"]
    assert len({by["a"], by["d"], by["e"], by["f"]}) == 4


def test_an_unreadable_places_table_is_refused_in_one_line(tmp_path):
    result = runner.invoke(app, ["nlp", "cluster", "--places", str(tmp_path / "missing.csv")],
                           input='{"id": 1, "text": "电梯坏了"}\n')
    assert result.exit_code == 2 and "places table" in result.output


def test_benchmark_scores_the_clusters_of_a_split_even_without_a_model(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/none.sqlite3")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    result = runner.invoke(app, ["nlp", "benchmark", "--split", "val"])
    assert result.exit_code == 0, result.output
    figures = _lines(result.stdout)[0]
    assert figures["split"] == "val" and figures["cluster_pairwise_f1"] >= 0.9
    assert runner.invoke(app, ["nlp", "benchmark", "--split", "train"]).exit_code == 2
