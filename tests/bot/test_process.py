"""`needs bot --framework X` as a real process: it polls the fake server and a new process continues
a conversation the previous one left half-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlmodel import select

from core.models import ServiceRequest
from tests.bot.conftest import FRAMEWORKS

pytestmark = pytest.mark.slow


def _spawn(framework: str, fake, db_url: str, tmp_path) -> subprocess.Popen:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "DATABASE_URL": db_url, "VAR_DIR": str(tmp_path / "var"), "ENVIRONMENT": "test", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "app.cli", "bot", "--framework", framework, "--poll-timeout", "1",
                             "--outbox-interval", "0.2"], env=env, cwd=os.getcwd(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out.decode(errors="replace")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_new_bot_process_continues_a_conversation_left_half_way(framework, db_url, engine, session, fake,
                                                                 places, with_model, tmp_path):
    user = 3001
    first = _spawn(framework, fake, db_url, tmp_path)
    try:
        fake.message(user, "A小区1 楼道灯坏了一个星期，晚上黑漆漆的")
        fake.wait_for(lambda calls: any("c:ok" in c.button_data for c in fake.sent_to(user)), timeout=60)
    finally:
        log = _stop(first)
    assert first.returncode == 0, log
    question = next(c for c in fake.sent_to(user) if "c:ok" in c.button_data)

    second = _spawn(framework, fake, db_url, tmp_path)
    try:
        fake.press(user, question, "c:ok")
        fake.wait_for(lambda calls: any("k:no" in c.button_data for c in fake.sent_to(user)), timeout=60)
        consent = next(c for c in fake.sent_to(user) if "k:no" in c.button_data)
        fake.press(user, consent, "k:no")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            session.expire_all()
            request = session.exec(select(ServiceRequest)).first()
            if request is not None and any(request.ticket in c.text for c in fake.sent_to(user)):
                break
            time.sleep(0.1)
    finally:
        log = _stop(second)
    assert second.returncode == 0, log
    assert request is not None and request.place_id == places["compound_A1"].id
    assert any(request.ticket in c.text for c in fake.sent_to(user))
