"""Places: the names the product recognises in text, the places import, edits that keep history."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlmodel import select

from admin import place_records
from admin.place_records import PlaceError, PlaceFields
from admin.places_import import import_places
from core.models import Place, PlaceKind
from core.places import find_place
from tests.setup.conftest import GEOGRAPHY, PLACE_HEADER, write_csv


@pytest.fixture
def imported(session, street, geography):
    report = import_places(session, geography)
    assert report.summary() == "created=7 updated=0 unchanged=0 refused=0"
    return {p.code: p for p in session.exec(select(Place))}


def test_a_place_is_found_by_name_code_or_alias(session, imported):
    assert find_place(session, "星湖苑").code == "XH-01"
    assert find_place(session, "XH-01").code == "XH-01"
    assert find_place(session, "xhy").code == "XH-01"
    assert find_place(session, "ＸＩＮＧＨＵＹＵＡＮ").code == "XH-01"  # full-width, any case
    assert find_place(session, "观澜").code == "XH-03"


def test_the_longest_name_in_a_text_wins_and_a_compound_beats_its_community(session, imported):
    assert find_place(session, "星湖苑3栋电梯坏了").code == "XH-01"  # not 星湖 (the community's alias)
    assert find_place(session, "星湖社区门口的路灯").code == "XH"
    assert find_place(session, "我住湖畔新村，楼道灯不亮").code == "XH-02"
    assert find_place(session, "楼道灯不亮") is None


def test_a_latin_alias_is_found_only_as_a_whole_word(session, imported):
    assert find_place(session, "xhy 3栋 lift broken").code == "XH-01"
    assert find_place(session, "the xhyz shop") is None


def test_kinds_limit_the_answer(session, imported):
    assert find_place(session, "星湖社区", kinds=[PlaceKind.compound]) is None
    assert find_place(session, "星湖社区观澜花园", kinds=[PlaceKind.compound]).code == "XH-03"


def test_a_retired_place_is_no_longer_found_but_keeps_its_requests(session, imported):
    from intake.service import IntakeIn, submit

    req = submit(session, IntakeIn(text="湖畔新村的路灯坏了", place_id=imported["XH-02"].id), classify=False).request
    place_records.retire(session, None, imported["XH-02"])
    assert find_place(session, "湖畔新村的路灯坏了") is None
    assert find_place(session, "湖畔新村", include_retired=True).code == "XH-02"  # old records still name it
    session.refresh(req)
    assert (req.place_id, req.community_id) == (imported["XH-02"].id, imported["XH"].id)


def test_an_edit_is_seen_at_once(session, imported):
    place_records.update(session, None, imported["FL-01"], PlaceFields("compound", "枫林一村", "FL-01", "FL",
                                                                       aliases=["老一村"]))
    assert find_place(session, "老一村的垃圾没人清运").code == "FL-01"


def test_the_import_applies_parents_before_children_whatever_the_order(session, street, tmp_path):
    rows = list(reversed(GEOGRAPHY))
    report = import_places(session, write_csv(tmp_path / "rev.csv", PLACE_HEADER, rows))
    assert report.summary() == "created=7 updated=0 unchanged=0 refused=0"
    by_code = {p.code: p for p in session.exec(select(Place))}
    assert by_code["XH-01"].parent_id == by_code["XH"].id and by_code["XH"].parent_id == street.id
    assert by_code["XH-01"].aliases == ["xhy", "Xinghuyuan"]


def test_importing_the_same_file_again_changes_nothing_and_an_edited_row_updates(session, imported, geography,
                                                                                   tmp_path):
    assert import_places(session, geography).summary() == "created=0 updated=0 unchanged=7 refused=0"
    rows = [list(r) for r in GEOGRAPHY]
    rows[2] = ["compound", "湖畔新村北区", "XH-02", "FL", "湖畔"]  # renamed, moved to the other community
    report = import_places(session, write_csv(tmp_path / "edit.csv", PLACE_HEADER, rows))
    assert report.summary() == "created=0 updated=1 unchanged=6 refused=0"
    moved = session.exec(select(Place).where(Place.code == "XH-02")).one()
    assert (moved.name, moved.parent_id, moved.aliases) == ("湖畔新村北区", imported["FL"].id, ["湖畔"])


def test_refused_rows_are_listed_with_their_row_and_reason(session, street, tmp_path):
    rows = [
        ["community", "星湖社区", "XH", "ST", ""],
        ["village", "某村", "V1", "ST", ""],  # row 3: unknown kind
        ["compound", "无编码", "", "XH", ""],  # row 4: no code
        ["compound", "孤岛", "Z-01", "ZZ", ""],  # row 5: unknown parent
        ["compound", "星湖苑", "XH", "XH", ""],  # row 6: code repeated
        ["compound", "挂错", "XH-09", "ST", ""],  # row 7: a compound under a street
        ["community", "跨界", "XX", "", ""],  # row 8: no parent
    ]
    report = import_places(session, write_csv(tmp_path / "bad.csv", PLACE_HEADER, rows))
    assert report.summary() == "created=1 updated=0 unchanged=0 refused=6"
    reasons = dict(report.reasons("en"))
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "village" in reasons[3] and "code" in reasons[4] and "ZZ" in reasons[5]
    assert "appears again" in reasons[6] and "street" in reasons[7] and "parent" in reasons[8]
    assert dict(report.reasons("zh"))[7] == "小区不能隶属于街道"  # kinds in the person's language


def test_a_dry_run_reports_what_the_import_would_do_and_writes_nothing(session, street, geography):
    report = import_places(session, geography, dry_run=True)
    assert report.summary() == "created=7 updated=0 unchanged=0 refused=0"
    assert session.exec(select(Place).where(Place.kind != PlaceKind.street)).all() == []


def test_xlsx_files_are_read_like_csv(session, street, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["类型", "名称", "编码", "上级编码", "别名"])  # the Chinese headers of a street office's own sheet
    for row in GEOGRAPHY:
        ws.append(["社区" if row[0] == "community" else "小区", *row[1:]])
    wb.save(tmp_path / "places.xlsx")
    report = import_places(session, tmp_path / "places.xlsx")
    assert report.summary() == "created=7 updated=0 unchanged=0 refused=0"


def test_retiring_needs_the_children_retired_first_and_a_retired_parent_takes_no_new_child(session, imported):
    with pytest.raises(PlaceError, match="retire its places first"):
        place_records.retire(session, None, imported["FL"])
    for code in ("FL-01", "FL-02", "FL"):
        place_records.retire(session, None, imported[code])
    with pytest.raises(PlaceError, match="retired"):
        place_records.create(session, None, PlaceFields("compound", "新小区", "FL-03", "FL"))
    with pytest.raises(PlaceError, match="retired"):
        place_records.restore(session, None, imported["FL-01"])
    place_records.restore(session, None, imported["FL"])
    assert session.get(Place, imported["FL"].id).retired_at is None


def test_the_cli_lists_refusals_and_ends_with_the_counts(engine, street, needs, tmp_path, geography):
    bad = write_csv(tmp_path / "bad.csv", PLACE_HEADER, [*GEOGRAPHY, ["grid", "一网格", "G1", "NOPE", ""]])
    dry = needs("places", "import", str(bad), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[0] == "row 9: unknown parent_code “NOPE”"
    assert dry.stdout.splitlines()[-1] == "created=7 updated=0 unchanged=0 refused=1"
    done = needs("places", "import", str(bad))
    assert done.stdout.splitlines()[-1] == "created=7 updated=0 unchanged=0 refused=1"
    again = needs("places", "import", str(geography))
    assert again.stdout.splitlines()[-1] == "created=0 updated=0 unchanged=7 refused=0"
    missing = needs("places", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "no file" in missing.stderr
    wrong = needs("places", "import", str(write_csv(tmp_path / "x.csv", ["a", "b"], [["1", "2"]])))
    assert wrong.exit_code == 2 and "missing column" in wrong.stderr


def test_the_web_chat_knows_a_compound_by_its_alias(client, session, with_model, imported):
    """Web chat and Telegram share the dialog (bot/flows/intake.py), which asks core.places.find_place."""
    from tests.factories import form_token

    def send(**fields):
        page = client.get("/chat")
        fields.setdefault("csrf_token", form_token(page.text))
        fields.setdefault("nonce", form_token(page.text, "nonce"))
        return client.post("/chat", data=fields).text

    import re

    page = send(text="xhy 3栋的电梯坏了两天了")
    for data in ("c:ok", "k:no"):
        message_id = next(mid for mid, d in reversed(re.findall(
            r'name="message_id" value="(\d+)">\s*<input type="hidden" name="data" value="([^"]+)"', page)) if d == data)
        page = send(message_id=message_id, data=data)
    from core.models import ServiceRequest

    request = session.exec(select(ServiceRequest)).one()
    assert request.place_id == imported["XH-01"].id and request.community_id == imported["XH"].id
