"""A kernel on a learner's hub server, driven through the Jupyter Server REST API and its
websocket (what a browser does, without the browser): start it, run code, read what it printed,
time each run. Used by the hub's browser test and by bench/bench_hub.py."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

__all__ = ["HubKernel", "Run"]


@dataclass
class Run:
    status: str  # "ok", "error", "aborted"
    stdout: str
    error: str
    seconds: float


class HubKernel:
    """One kernel on ``name``'s server; ``hub`` is a :class:`course.hub.trial.TrialHub`."""

    def __init__(self, hub, name: str):
        import websocket  # websocket-client: installed with jupyter_server

        self.hub, self.name = hub, name
        self.id = hub.user_api(name, "/api/kernels", "POST", {"name": "python3"})["id"]
        url = hub.url.replace("http://", "ws://") + f"/user/{name}/api/kernels/{self.id}/channels"
        self.ws = websocket.create_connection(
            url, header=[f"Authorization: token {hub.token}"], timeout=600
        )
        self.session = uuid.uuid4().hex

    def _send(self, code: str, *, store_history: bool) -> str:
        """Send one execute_request on the shell channel; returns its message id."""
        msg_id = uuid.uuid4().hex
        header = {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": self.name,
            "session": self.session,
            "version": "5.3",
            "date": "",
        }
        content = {
            "code": code,
            "silent": False,
            "store_history": store_history,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        message = {"header": header, "parent_header": {}, "metadata": {}, "content": content}
        self.ws.send(json.dumps({**message, "channel": "shell", "buffers": []}))
        return msg_id

    def run(self, code: str, timeout: float = 600) -> Run:
        msg_id = self._send(code, store_history=True)
        start = time.perf_counter()
        out, err, status = [], [], None
        idle = False
        self.ws.settimeout(timeout)
        while status is None or not idle:
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                out.append(content["text"])
            elif kind == "stream":
                err.append(content["text"])
            elif kind == "error":
                err.append(f"{content['ename']}: {content['evalue']}")
            elif kind in ("execute_result", "display_data"):
                out.append(content.get("data", {}).get("text/plain", ""))
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                status = content["status"]
        return Run(status, "".join(out), "\n".join(err), time.perf_counter() - start)

    def interrupt(self) -> None:
        self.hub.user_api(self.name, f"/api/kernels/{self.id}/interrupt", "POST", {})

    def send_only(self, code: str) -> None:
        """Start ``code`` and return at once (a runaway query left running)."""
        self._send(code, store_history=False)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.hub.user_api(self.name, f"/api/kernels/{self.id}", "DELETE")
