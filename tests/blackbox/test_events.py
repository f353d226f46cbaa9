"""Events: every committed event reaches its targets at least once, signed; retries with backoff,
dead letters on 4xx and on exhaustion, redrive, replay, kill -9 resumption, no event for a
refused transfer, and an internal consumer applying each event exactly once across restarts.
A webhook receiver runs in this process on 127.0.0.1."""

import hashlib
import hmac
import http.server
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import unittest

from harness import Server, run_cli

TRF = "/v1/core-banking/transfer"
SECRET = "s3cret-for-tests"
WAIT_S = 20


class Receiver:
    """Records webhook posts per path; `script[path]` decides the status per event."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []  # (path, headers, body)
        self.script = {}  # path -> function(attempt_number_for_event) -> status
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    env = json.loads(body)
                    n = 1 + sum(1 for p, _, b in outer.posts
                                if p == self.path and json.loads(b)["event_id"] == env["event_id"])
                    status = outer.script.get(self.path, lambda n: 200)(n)
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    headers["_status"] = status
                    outer.posts.append((self.path, headers, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def for_event(self, path, correlation_id):
        with self.lock:
            return [(h, b) for p, h, b in self.posts
                    if p == path and json.loads(b)["correlation_id"] == correlation_id]

    def delivered(self, path, correlation_id):
        return [b for h, b in self.for_event(path, correlation_id) if h["_status"] == 200]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(predicate, timeout=WAIT_S):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(0.05)
    return predicate()


def rules_file(directory, receiver):
    def hook(path):
        return {"type": "webhook", "url": receiver.url(path), "secret": SECRET, "timeout_ms": 2000}
    transfers = {"event_type": ["TRANSFER_COMPLETED"]}
    rules = {"rules": [
        {"name": "ok", "pattern": transfers, "targets": [hook("/ok")]},
        {"name": "flaky", "pattern": transfers, "targets": [hook("/flaky")]},
        {"name": "bad", "pattern": transfers, "targets": [hook("/bad")]},
        {"name": "down", "pattern": transfers, "targets": [hook("/down")],
         "retry": {"max_attempts": 3}},
        {"name": "toggle", "pattern": transfers, "targets": [hook("/toggle")],
         "retry": {"max_attempts": 2}},
        {"name": "logged", "pattern": {"source": [{"prefix": "core"}]}, "targets": [{"type": "log"}]},
    ]}
    path = os.path.join(directory, "rules.json")
    with open(path, "w") as f:
        json.dump(rules, f)
    return path


class EventsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-events-")
        self.receiver = Receiver()
        self.healthy = False
        self.receiver.script = {
            "/flaky": lambda n: 500 if n <= 2 else 200,
            "/bad": lambda n: 400,
            "/down": lambda n: 503,
            "/toggle": lambda n: 200 if self.healthy else 503,
        }
        self.rules = rules_file(self.dir, self.receiver)
        self.args = ["--rules", self.rules, "--backoff-base-ms", "50", "--backoff-cap-ms", "200",
                     "--test-consumer"]
        os.makedirs(os.path.join(self.dir, "data"))
        self.server = Server(data_dir=os.path.join(self.dir, "data"), extra_args=self.args).start()
        self.token = self.server.token(user="user-123")
        self.n = 0

    def tearDown(self):
        if self.server.proc is not None:
            self.server.stop()
        self.receiver.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def transfer(self, amount="1.00", expect=201):
        self.n += 1
        cid = f"evt-test-{self.n}-{time.time_ns()}"
        r = self.server.request("POST", TRF, token=self.token,
                                body={"from_account": "acc-456", "to_account": "acc-789",
                                      "amount": amount},
                                headers={"Idempotency-Key": cid, "X-Correlation-Id": cid})
        self.assertEqual(r.status, expect, r)
        return cid

    def dlq(self):
        out = run_cli("events", "dlq", "list", "--data", self.server.data_dir, "--json").stdout
        return json.loads(out)["dead_letters"]

    def test_transfer_reaches_the_webhook_with_a_valid_signature(self):
        cid = self.transfer()
        got = wait_for(lambda: self.receiver.for_event("/ok", cid))
        self.assertEqual(len(got), 1)
        headers, body = got[0]
        ts = headers["x-centli-timestamp"]
        want = hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["x-centli-signature"], "sha256=" + want)
        self.assertLess(abs(int(ts) - time.time()), 60)
        env = json.loads(body)
        self.assertEqual(env["event_type"], "TRANSFER_COMPLETED")
        self.assertEqual(env["source"], "core-banking")
        self.assertNotIn("x-centli-replay", headers)

    def test_receiver_failing_twice_gets_it_on_the_third_attempt(self):
        cid = self.transfer()
        got = wait_for(lambda: len(self.receiver.for_event("/flaky", cid)) >= 3)
        self.assertTrue(got)
        time.sleep(0.5)
        self.assertEqual(len(self.receiver.for_event("/flaky", cid)), 3)
        self.assertFalse([d for d in self.dlq() if d["rule"] == "flaky"])

    def test_a_400_goes_straight_to_the_dead_letters(self):
        cid = self.transfer()
        dead = wait_for(lambda: [d for d in self.dlq() if d["rule"] == "bad"])
        self.assertEqual(len(dead), 1)
        self.assertEqual(dead[0]["attempts"], 1)
        self.assertEqual(dead[0]["last_error"], "HTTP 400")
        self.assertEqual(dead[0]["event"]["correlation_id"], cid)
        self.assertEqual(len(self.receiver.for_event("/bad", cid)), 1)

    def test_max_attempts_exhaustion_dead_letters_it(self):
        cid = self.transfer()
        dead = wait_for(lambda: [d for d in self.dlq() if d["rule"] == "down"])
        self.assertEqual(len(dead), 1)
        self.assertEqual(dead[0]["attempts"], 3)
        self.assertEqual(len(self.receiver.for_event("/down", cid)), 3)

    def test_redrive_delivers_once_the_receiver_is_healthy(self):
        cid = self.transfer()
        dead = wait_for(lambda: [d for d in self.dlq() if d["rule"] == "toggle"])
        self.assertEqual(len(dead), 1)
        self.healthy = True
        run_cli("events", "dlq", "redrive", "--data", self.server.data_dir, "--id",
                dead[0]["dead_id"])
        got = wait_for(lambda: self.receiver.delivered("/toggle", cid))
        self.assertTrue(got)
        self.assertFalse([d for d in self.dlq() if d["rule"] == "toggle"])
        # The admin route lists and purges with the admin scope only.
        admin = self.server.token(user="ops", scopes=["admin"])
        r = self.server.request("GET", "/v1/admin/events/dlq", token=admin)
        self.assertEqual(r.status, 200, r)
        self.assertIn("dead_letters", r.json())
        r = self.server.request("DELETE", "/v1/admin/events/dlq", token=self.token)
        self.assertEqual(r.status, 403, r)
        before = {d["dead_id"] for d in self.dlq()}
        self.assertTrue(before)
        r = self.server.request("DELETE", "/v1/admin/events/dlq", token=admin)
        self.assertEqual(r.status, 200, r)
        # Other rules of this server (the always-failing "down") may dead-letter new events
        # after the purge; every letter that was there before it must be gone.
        self.assertFalse(before & {d["dead_id"] for d in self.dlq()})

    def test_replay_re_delivers_a_time_window(self):
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 5))
        cid = self.transfer()
        self.assertTrue(wait_for(lambda: self.receiver.for_event("/ok", cid)))
        end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5))
        run_cli("events", "replay", "--data", self.server.data_dir, "--from", start, "--to", end,
                "--rule", "ok")
        got = wait_for(lambda: len(self.receiver.for_event("/ok", cid)) >= 2)
        self.assertTrue(got)
        replayed = self.receiver.for_event("/ok", cid)[1][0]
        self.assertEqual(replayed.get("x-centli-replay"), "true")
        out = run_cli("events", "list", "--data", self.server.data_dir, "--correlation-id", cid,
                      "--json").stdout.strip().splitlines()
        self.assertEqual(len(out), 1)
        self.assertEqual(json.loads(out[0])["correlation_id"], cid)

    def test_kill_9_before_delivery_loses_no_committed_event(self):
        self.receiver.script["/ok"] = lambda n: 503  # nothing is delivered before the kill
        cids = [self.transfer() for _ in range(5)]
        self.server.kill9()
        self.receiver.script["/ok"] = lambda n: 200
        self.server.start()
        for cid in cids:
            self.assertTrue(wait_for(lambda: self.receiver.delivered("/ok", cid)), cid)
        # Every event is applied exactly once by the internal consumer across the restart.
        self.server.stop()
        db = sqlite3.connect(os.path.join(self.server.data_dir, "centli.db"))
        try:
            rows = db.execute("SELECT key, value FROM meta WHERE key LIKE 'test_consumer:%'").fetchall()
            events = db.execute("SELECT count(*) FROM outbox WHERE event_type = "
                                "'TRANSFER_COMPLETED'").fetchone()[0]
        finally:
            db.close()
        self.assertEqual(len(rows), events)
        self.assertTrue(all(v == "1" for _, v in rows), rows)

    def test_a_refused_transfer_produces_no_event(self):
        cid = self.transfer(amount="99999999.00", expect=422)
        time.sleep(0.5)
        out = run_cli("events", "list", "--data", self.server.data_dir, "--correlation-id",
                      cid).stdout
        self.assertEqual(out.strip(), "")
        self.assertEqual(self.receiver.for_event("/ok", cid), [])

    def test_an_invalid_rules_file_is_refused_with_the_path(self):
        path = os.path.join(self.dir, "bad.json")
        with open(path, "w") as f:
            json.dump({"rules": [{"name": "x", "pattern": {"detail": {"n": [{"numeric": [">"]}]}},
                                  "targets": [{"type": "log"}]}]}, f)
        r = run_cli("serve", "--data", os.path.join(self.dir, "other"), "--listen",
                    "127.0.0.1:0", "--rules", path, check=False, timeout=10)
        self.assertEqual(r.returncode, 2)
        self.assertIn("rules[0].pattern.detail.n[0].numeric", r.stderr)


if __name__ == "__main__":
    unittest.main()
