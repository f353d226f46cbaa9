"""Helpers of the contract tests (test_contract_*.py, test_event_delivery.py): bounded waits on
conditions, the data directory's database opened beside the server, a webhook receiver run by a
script, a line reader for long-running CLI commands, and correlation-blind body comparison.
Standard library only; the server itself comes from harness.py."""

import datetime
import http.server
import json
import os
import queue
import re
import subprocess
import threading
import time

from harness import BIN, POSTGRES, open_db

WAIT_S = 20        # longest wait for a condition that should hold within milliseconds
POLL_S = 0.02      # how often a condition is looked at again
HOLD_S = 5         # longest a receiver holds an answer back to make its client time out


def wait_for(predicate, timeout=WAIT_S):
    """Polls `predicate` until it returns a true value or `timeout` seconds pass; returns its
    last value (false when the deadline passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(POLL_S)
    return predicate()


def strip_correlation(body):
    """The body with its correlation id blanked: two answers that differ only there are equal."""
    return re.sub(rb'"correlation_id":"[^"]*"', b'"correlation_id":""', body)


def query(server, sql, args=()):
    """Rows of one read-only query on the server's database (it may be running), SQLite's or
    PostgreSQL's (harness.open_db)."""
    with open_db(server.data_dir) as db:
        return db.execute(sql, args).fetchall()


def writer(server):
    """A read-write connection to the server's database in autocommit mode, for faults a test
    injects beside the server (a trigger, a held write lock). The caller closes it."""
    return open_db(server.data_dir, write=True)


def failing_insert(db, name, table, when, condition, message):
    """Makes each insert into `table` fail where `condition` holds (an SQL expression on NEW
    that both dialects read alike): a trigger `name` fired `when` ("BEFORE" or "AFTER") each
    row raises `message`, on `db` from writer(). drop_failing_insert removes it."""
    if POSTGRES:
        db.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"IF {condition} THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW; END $$")
        db.execute(f"CREATE TRIGGER {name} {when} INSERT ON {table} FOR EACH ROW "
                   f"EXECUTE FUNCTION {name}()")
    else:
        db.execute(f"CREATE TRIGGER {name} {when} INSERT ON {table} WHEN {condition} "
                   f"BEGIN SELECT RAISE(FAIL, '{message}'); END")


def drop_failing_insert(db, name, table):
    if POSTGRES:
        db.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        db.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def iso_ms(unix_ms):
    """'2026-02-17T10:30:00.123Z' for a Unix time in ms, as centli writes timestamps."""
    t = datetime.datetime.fromtimestamp(unix_ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{unix_ms % 1000:03d}Z"


def unix_ms(iso):
    """Unix ms of an ISO 8601 time with a Z or an offset."""
    t = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return round(t.timestamp() * 1000)


def centli(*args, env=None, timeout=30):
    """Runs `centli ARGS` with exactly the environment `env` (default: this process's)."""
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout,
                          env=os.environ if env is None else env)


def without_test_mode():
    return {k: v for k, v in os.environ.items() if k != "CENTLI_TEST_MODE"}


class Receiver:
    """An HTTP receiver of webhooks on 127.0.0.1. `script[path](attempt, envelope)` gives the
    status of each post (attempt counts posts of that event to that path, from 1); None holds
    the answer back until the client has given up (at most HOLD_S), then answers 200."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = []    # (path, headers with "_status", envelope)
        self.script = {}   # path -> function(attempt, envelope) -> status or None
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                env = json.loads(body)
                with outer.lock:
                    attempt = 1 + len(outer._posts_of(self.path, env["event_id"]))
                    status = outer.script.get(self.path, lambda n, e: 200)(attempt, env)
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    headers["_status"] = status or "held"
                    outer.posts.append((self.path, headers, env))
                if status is None:
                    outer.release.wait(HOLD_S)
                    status = 200
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the client gave up waiting: that is what a held answer is for

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def _posts_of(self, path, event_id):
        return [p for p in self.posts if p[0] == path and p[2]["event_id"] == event_id]

    def of(self, path, correlation_id):
        """(headers, envelope) of every post to `path` of the events of one correlation id."""
        with self.lock:
            return [(h, e) for p, h, e in self.posts
                    if p == path and e["correlation_id"] == correlation_id]

    def statuses(self, path, correlation_id):
        return [h["_status"] for h, _ in self.of(path, correlation_id)]

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class LineReader:
    """Reads a child process's stdout lines on a thread, so a test can wait for the next line
    with a deadline. Stops the process (by its pid) on close()."""

    def __init__(self, args):
        self.proc = subprocess.Popen([BIN, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.lines = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def next(self, timeout):
        """The next line, or None when none came within `timeout` seconds."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
