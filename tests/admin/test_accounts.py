"""`needs user create` makes accounts of each role; each role lands where it belongs after login."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

from app.cli import app
from core.models import StaffCommunity, StaffUser
from tests.factories import login


def _create(*args):
    return CliRunner().invoke(app, ["user", "create", *args])


def test_user_create_makes_each_role_and_each_logs_in_where_it_belongs(client, session, places):
    assert _create("--username", "a1", "--password", "admin-pass-1", "--role", "admin").exit_code == 0
    ok = _create("--username", "w1", "--password", "worker-pass-1", "--role", "worker", "--community", "T-A",
                 "--community", "B社区")
    assert ok.exit_code == 0, ok.output
    assert _create("--username", "o1", "--password", "org-pass-1", "--role", "org", "--org", "乐龄").exit_code == 0
    w1 = session.exec(select(StaffUser).where(StaffUser.username == "w1")).one()
    scoped = set(session.exec(select(StaffCommunity.place_id).where(StaffCommunity.user_id == w1.id)))
    assert scoped == {places["community_A"].id, places["community_B"].id}
    assert login(client, "a1", "admin-pass-1").headers["location"] == "/admin"
    client.cookies.clear()
    assert login(client, "o1", "org-pass-1").headers["location"] == "/org"


def test_user_create_refuses_incomplete_accounts(client, session, places):
    for args, message in [(["--username", "w", "--password", "worker-pass", "--role", "worker"], "--community"),
                          (["--username", "o", "--password", "org-pass-1", "--role", "org"], "--org"),
                          (["--username", "x", "--password", "short", "--role", "admin"], "8 characters"),
                          (["--username", "w", "--password", "worker-pass", "--role", "worker", "--community",
                            "nowhere"], "unknown community")]:
        result = _create(*args)
        assert result.exit_code == 2 and message in result.output
    assert session.exec(select(StaffUser)).all() == []


def test_only_admins_read_the_audit_log_of_staff_actions(client, session, staff, places):
    from tests.admin.conftest import as_user, make_request

    req = make_request(session, places["compound_A1"], text="<i>路灯</i>")
    as_user(client, "wa")
    assert client.get("/admin/audit").status_code == 403
    page = client.get(f"/admin/requests/{req.id}").text
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/admin/requests/{req.id}", data={"csrf_token": token, "action": "reply",
                                                   "value": "<script>x</script>"})
    client.cookies.clear()
    as_user(client, "admin")
    log = client.get("/admin/audit").text
    assert "request.reply" in log and "login" in log and ">wa<" in log
