"""The callback that posts each epoch's logs to a server."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.distribute.environment import is_chief


class RemoteMonitor(Callback):
    """Sends each epoch's logs to a server with an HTTP POST.

    The body is `{"epoch": epoch, **logs}` as JSON: form-encoded as the single field `field` by default, or
    as the whole request body (`Content-Type: application/json`) with `send_as_json=True`. An unreachable
    server gives a warning, not an error. Under distributed training only rank 0 posts.

    Args:
        root: Root URL of the target server.
        path: Path relative to `root` to which the events are sent.
        field: The form field the JSON data is sent under (when `send_as_json=False`).
        headers: Optional dict of custom HTTP headers.
        send_as_json: Whether the request body is the JSON itself.

    Example:

    ```python
    monitor = kerasish.callbacks.RemoteMonitor(root="http://localhost:9000", send_as_json=True)
    model.fit(x, y, callbacks=[monitor])
    ```
    """

    def __init__(
        self,
        root: str = "http://localhost:9000",
        path: str = "/publish/epoch/end/",
        field: str = "data",
        headers: dict | None = None,
        send_as_json: bool = False,
    ):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        if not is_chief():
            return
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except urllib.error.HTTPError:
            pass  # the server answered: what it thought of the post is its business, as with `requests.post`
        except (urllib.error.URLError, OSError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
