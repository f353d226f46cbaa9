"""A webhook receiver for the event tests: an http.server on 127.0.0.1 in a thread of the test
process that records every post, answers with a scripted status, and can hold its answer back
to play a slow target. Standard library only."""

import json
import http.server
import threading
import time

SECRET = "s3cret-for-tests"
WAIT_S = 20


class Receiver:
    """Records webhook posts per path; `script[path]` decides the status per event and
    `delay[path]` holds the answer back that many seconds (until close())."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []  # (path, headers, body)
        self.attempts = {}  # (path, event_id) -> posts so far: counted, not rescanned per post
        self.script = {}  # path -> function(attempt_number_for_event) -> status
        self.delay = {}  # path -> seconds before answering
        self.closing = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    env = json.loads(body)
                    seen = (self.path, env["event_id"])
                    n = outer.attempts[seen] = outer.attempts.get(seen, 0) + 1
                    status = outer.script.get(self.path, lambda n: 200)(n)
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    headers["_status"] = status
                    outer.posts.append((self.path, headers, body))
                    delay = outer.delay.get(self.path, 0)
                if delay:
                    outer.closing.wait(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def hook(self, path, timeout_ms=2000):
        """A rules-file webhook target posting to `path` of this receiver."""
        return {"type": "webhook", "url": self.url(path), "secret": SECRET,
                "timeout_ms": timeout_ms}

    def for_event(self, path, correlation_id):
        with self.lock:
            return [(h, b) for p, h, b in self.posts
                    if p == path and json.loads(b)["correlation_id"] == correlation_id]

    def delivered(self, path, correlation_id):
        return [b for h, b in self.for_event(path, correlation_id) if h["_status"] == 200]

    def close(self):
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(predicate, timeout=WAIT_S):
    """Polls `predicate` until it returns something true or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.05)
    return predicate()
