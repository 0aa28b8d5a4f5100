"""``Document.edit()``: open the editor on a document, through a local netcanvas server
that answers at the address (reused) or one started for it in the background.

The document is saved as a new design (``POST /api/designs``) and the browser opens its
page, ``/d/{id}``; saving in the editor keeps it as a design of that server's database.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from typing import Any

# Servers this process started, by port: they live until the process exits (or a caller
# stops them by their handle).
STARTED: dict[int, subprocess.Popen[bytes]] = {}


class EditorError(RuntimeError):
    """No netcanvas server answers at the address and none could be started."""


def open_in_editor(
    document: dict[str, Any], host: str = "127.0.0.1", port: int = 8000, browser: bool = True
) -> str:
    """Save ``document`` as a design on the server at ``host:port`` (starting one when
    nothing answers there) and open it in the browser; returns the design's address."""
    base = f"http://{host}:{port}"
    if not _is_netcanvas(base):
        _start(host, port, base)
    answer = _post(f"{base}/api/designs", {"document": document})
    url = f"{base}/d/{answer['id']}"
    if browser:
        webbrowser.open(url)
    return url


def _is_netcanvas(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as reply:
            health = json.loads(reply.read())
    except (OSError, ValueError):
        return False
    return isinstance(health, dict) and health.get("status") == "ok" and "version" in health


def _start(host: str, port: int, base: str, wait: float = 30.0) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "netcanvas", "serve", "--host", host, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # not stopped by the notebook's Ctrl-C
    )
    STARTED[port] = process
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace")[-500:] if process.stderr else ""
            raise EditorError(f"netcanvas serve on {base} stopped: {error.strip()}")
        if _is_netcanvas(base):
            return
        time.sleep(0.2)
    raise EditorError(f"netcanvas serve on {base} did not answer within {wait:g} s")


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            answer: dict[str, Any] = json.loads(reply.read())
    except urllib.error.HTTPError as refused:
        detail = refused.read().decode(errors="replace")[:500]
        raise EditorError(f"the server refused the document ({refused.code}): {detail}") from None
    return answer
