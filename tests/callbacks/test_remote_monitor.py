import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import make_model

import kerasish as keras


@pytest.fixture
def server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, self.headers["Content-Type"], self.headers.get("X-Run"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", received
    httpd.shutdown()
    httpd.server_close()


def test_posts_json(data, server):
    root, received = server
    monitor = keras.callbacks.RemoteMonitor(root=root, path="/epoch", send_as_json=True, headers={"X-Run": "a"})
    history = make_model().fit(*data, batch_size=8, epochs=2, verbose=0, callbacks=[monitor])
    assert [(path, kind, run) for path, kind, run, _ in received] == [("/epoch", "application/json", "a")] * 2
    assert [json.loads(body) for *_, body in received] == [
        {"epoch": epoch, "loss": loss} for epoch, loss in enumerate(history.history["loss"])
    ]


def test_posts_a_form_field(data, server):
    root, received = server
    monitor = keras.callbacks.RemoteMonitor(root=root, field="payload")
    history = make_model().fit(*data, batch_size=8, epochs=1, verbose=0, callbacks=[monitor])
    path, kind, _, body = received[0]
    assert (path, kind) == ("/publish/epoch/end/", "application/x-www-form-urlencoded")
    form = urllib.parse.parse_qs(body)
    assert json.loads(form["payload"][0]) == {"epoch": 0, "loss": history.history["loss"][0]}


def test_unreachable_server_warns(data):
    monitor = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9")  # the discard port: nothing listens
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        make_model().fit(*data, batch_size=8, epochs=1, verbose=0, callbacks=[monitor])
