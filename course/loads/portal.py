"""A small "vendor portal" on this machine, for module 09's download step.

Vendors deliver record files from a web portal or an FTP site, with a checksum file beside them
(the ``sha256sum`` format: ``<64 hex digits>  <file name>``, one line per file).  The portal
here serves the week's files from the course's load-lab folder on ``127.0.0.1`` (a free port,
nothing leaves the machine)::

    portal = VendorPortal().start()
    portal.url                      # http://127.0.0.1:<port>/
    portal.url + "SHA256SUMS"       # the checksum file
    portal.url + "files/vendor-delivery.mrc"
    portal.stop()

One file (``truncate``, by default the MARC delivery) arrives **cut short the first time** it is
downloaded, as a broken transfer does: the server sends 60% of the bytes and a matching
``Content-Length``, so the download looks complete and only the checksum shows the damage.  The
second download is whole.  This is deterministic: the same file, the same cut, every run.  The
portal stops with :meth:`VendorPortal.stop`, on leaving a ``with`` block, and when the Python
process (the notebook's kernel) ends.
"""

from __future__ import annotations

import atexit
import hashlib
import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from course import config

__all__ = ["VendorPortal", "WEEK_FILES", "CUT_SHARE", "sha256_file"]

#: The week's delivery: the file names served, from the load-lab folder of the course data.
WEEK_FILES = ("vendor-delivery.mrc", "sample.marcxml")
#: The share of the truncated file that the first download receives.
CUT_SHARE = 0.6


def sha256_file(path: Path) -> str:
    """The SHA-256 checksum of a file, as 64 lower-case hex digits (read in 1 MiB pieces)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for piece in iter(lambda: fh.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


class VendorPortal:
    """Serve ``files`` (paths) and their SHA256SUMS on 127.0.0.1; see the module help."""

    def __init__(self, files=None, *, truncate: str | None = "vendor-delivery.mrc", port: int = 0):
        if files is None:
            folder = config.data_dir() / "loadlab"
            files = [folder / name for name in WEEK_FILES]
        self.files = {Path(p).name: Path(p) for p in files}
        missing = [str(p) for p in self.files.values() if not p.is_file()]
        if missing:
            raise FileNotFoundError(
                f"The vendor portal has no file {missing[0]}: build the course data "
                "(`course data`) and start the portal again."
            )
        if truncate is not None and truncate not in self.files:
            raise ValueError(f"The portal does not serve {truncate!r}, so it cannot cut it short.")
        self.truncate = truncate
        self.port = port
        self.downloads: dict[str, int] = {name: 0 for name in self.files}
        self._sums = "".join(f"{sha256_file(p)}  {name}\n" for name, p in self.files.items())
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The vendor portal is not running: call .start() first.")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> VendorPortal:
        """Start serving in a background thread (a second start does nothing); returns self."""
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="vendor-portal", daemon=True
        )
        self._thread.start()
        atexit.register(self.stop)
        return self

    def stop(self) -> None:
        """Stop serving and free the port (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        atexit.unregister(self.stop)

    def __enter__(self) -> VendorPortal:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<VendorPortal {where}: {', '.join(self.files)}>"

    # -- what it serves ------------------------------------------------------------------------

    def _body(self, name: str) -> bytes:
        data = self.files[name].read_bytes()
        with self._lock:
            self.downloads[name] += 1
            first = self.downloads[name] == 1
        if name == self.truncate and first:
            return data[: int(len(data) * CUT_SHARE)]  # a broken transfer: cut, and quiet
        return data

    def _index(self) -> bytes:
        rows = "".join(
            f'<li><a href="files/{html.escape(n)}">{html.escape(n)}</a> '
            f"({p.stat().st_size:,} bytes)</li>"
            for n, p in self.files.items()
        )
        page = (
            "<!doctype html><title>Vendor portal</title><h1>This week's delivery</h1>"
            f'<ul>{rows}</ul><p><a href="SHA256SUMS">SHA256SUMS</a> (checksums)</p>'
        )
        return page.encode("utf-8")

    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the name http.server calls
                path = unquote(self.path.split("?", 1)[0])
                if path in ("/", "/index.html"):
                    self._send(portal._index(), "text/html; charset=utf-8")
                elif path == "/SHA256SUMS":
                    self._send(portal._sums.encode("utf-8"), "text/plain; charset=utf-8")
                elif path.startswith("/files/") and path[7:] in portal.files:
                    self._send(portal._body(path[7:]), "application/octet-stream")
                else:
                    self._send(b"There is no such file on this portal.\n", "text/plain", 404)

            def _send(self, body: bytes, kind: str, status: int = 200):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # quiet: http.server logs every request to stderr
                pass

        return Handler
