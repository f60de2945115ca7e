"""`make lab` serves JupyterLab at the start page, on 127.0.0.1, with a token."""

import urllib.error
import urllib.request

import pytest

from course import lab
from course.lab import START_PAGE, LabError


@pytest.mark.slow
def test_lab_serves_the_start_page_from_the_learner_workspace(lab_server):
    status = lab_server.api("/api/status")
    assert "started" in status
    page = lab_server.api(f"/api/contents/{START_PAGE}?content=0")
    assert page["type"] == "notebook"
    assert (lab_server.workspace / START_PAGE).exists()
    assert lab_server.url.startswith("http://127.0.0.1:")
    # Without the token the server refuses the API.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{lab_server.url}/api/contents/{START_PAGE}", timeout=10)
    err.value.close()  # the error holds the response's socket open
    assert err.value.code == 403


@pytest.mark.parametrize(
    "via, advice",
    [
        ("make", "`make lab PORT=8889`"),
        ("bootstrap", "`python3 tools/bootstrap.py lab --port 8889`"),
    ],
)
def test_a_busy_port_gets_one_clear_sentence(monkeypatch, via, advice):
    monkeypatch.setenv("COURSE_VIA", via)  # the sentence names the route the person took
    monkeypatch.setattr(lab, "port_is_free", lambda port, host="127.0.0.1": False)
    with pytest.raises(LabError) as err:
        lab.run_lab(port=8888, open_browser=False)
    message = str(err.value)
    assert "8888 is already in use" in message and advice in message
    assert "\n" not in message


def test_the_port_check_sees_a_listening_socket():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert not lab.port_is_free(sock.getsockname()[1])


def test_the_lab_command_binds_loopback_with_a_token(tmp_path):
    cmd = lab.lab_command(port=9999, token="abc", workspace=tmp_path, open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in cmd
    assert "--IdentityProvider.token=abc" in cmd
    assert f"--LabApp.default_url=/lab/tree/{START_PAGE}" in cmd


def test_setup_turns_off_the_news_toast_and_the_broken_extension(tmp_path):
    import json

    lab.setup_jupyter(tmp_path)
    overrides = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    page = json.loads((tmp_path / "etc/jupyter/labconfig/page_config.json").read_text())
    assert page["disabledExtensions"]["jupysql-plugin"] is True
    assert lab.setup_jupyter(tmp_path) == []  # idempotent
