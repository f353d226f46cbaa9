"""Black-box test harness: starts the real centli binary on a free port with a temporary data
directory, creates tokens through the CLI, and speaks HTTP/1.1 to it. Standard library only.

Every answer a server gives to a documented operation is recorded, and when the server stops
each one must be declared by its group's OpenAPI document (status, content type, and for a
problem its code), so no black-box test can see the wire disagree with the documents."""

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

BIN = os.environ.get("CENTLI_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "centli")

START_TIMEOUT_S = 10
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def project_version():
    """The version CMakeLists.txt gives the project: what `centli --version` prints."""
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(centli VERSION (\S+)", f.read()).group(1)


def run_cli(*args, check=True, input=None, timeout=30, env=None):
    """Runs `centli ARGS`; returns CompletedProcess with text stdout/stderr. `env`, when given,
    is the child's whole environment (default: this process's)."""
    p = subprocess.run([BIN, *args], capture_output=True, text=True, input=input, timeout=timeout,
                       env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"centli {' '.join(args)} exited {p.returncode}: {p.stderr}")
    return p


_operations = None


def openapi_operations():
    """[(METHOD, path regex, operation)] of every group's OpenAPI document, read once."""
    global _operations
    if _operations is None:
        groups = re.search(r"one of: ([^)]*)\)", run_cli("openapi", check=False).stderr).group(1)
        _operations = []
        for group in (g.strip() for g in groups.split(",")):
            doc = json.loads(run_cli("openapi", "--group", group).stdout)
            for path, item in doc["paths"].items():
                rx = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
                _operations += [(m.upper(), rx, op) for m, op in item.items()]
    return _operations


def undeclared(method, path, status, content_type, code):
    """Why the OpenAPI documents do not declare this answer; None when they do, or when
    (method, path) is no documented operation (health, agent doors, another method: 405)."""
    path = path.split("?")[0]
    op = next((op for m, rx, op in openapi_operations() if m == method and rx.match(path)), None)
    if op is None:
        return None
    declared = op["responses"].get(str(status))
    if declared is None:
        return f"{op['operationId']} does not declare {status}"
    media = (content_type or "").split(";")[0].strip()
    if media not in declared.get("content", {}):
        return f"{op['operationId']} {status} does not declare {media or 'an empty body'}"
    if code is not None and f"`{code}`" not in declared["description"]:
        return f"{op['operationId']} {status} does not list the code {code}"
    return None


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body        # bytes

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Server:
    """One centli server process. Use as a context manager or call start()/stop()."""

    def __init__(self, data_dir=None, demo=True, extra_args=(), env=None):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="centli-test-")
        self.demo = demo
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.answers = []  # (method, path, status, content type, problem code) of each answer

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def start(self):
        self.port = free_port()
        args = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", self.data_dir,
                "--threads", "2", *self.extra_args]
        if self.demo:
            args.append("--demo")
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + START_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"centli serve exited {self.proc.returncode}: {self.logs()}")
            try:
                if self.request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                time.sleep(0.02)
        raise AssertionError("centli serve did not start: " + self.logs())

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the server; returns its exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        self.check_answers()
        return rc

    def check_answers(self):
        """Fails when an answer recorded since the last check is not in the OpenAPI documents."""
        answers, self.answers = self.answers, []
        wrong = {f"{a[0]} {a[1]} -> {a[2]}: {why}" for a in answers if (why := undeclared(*a))}
        if wrong:
            raise AssertionError("answers the OpenAPI documents do not declare:\n" +
                                 "\n".join(sorted(wrong)))

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def logs(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def token(self, user=None, service=None, scopes=(), delegate=False):
        args = ["token", "create", "--data", self.data_dir]
        if user:
            args += ["--user", user]
        if service:
            args += ["--service", service]
        if delegate:
            args.append("--delegate")
        for s in scopes:
            args += ["--scope", s]
        return run_cli(*args).stdout.strip().splitlines()[-1]

    def connection(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, token=None, headers=None, raw=None, conn=None):
        """One request. `body` is JSON-encoded; `raw` is sent as is. Returns a Response."""
        h = {}
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        if headers:
            h.update(headers)
        own = conn is None
        c = conn or self.connection()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            payload = r.read()
            answer = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, payload)
            self.record(method, path, answer)
            return answer
        finally:
            if own:
                c.close()


    def record(self, method, path, answer):
        content_type = answer.headers.get("content-type", "")
        code = None
        if content_type.startswith("application/problem+json"):
            try:
                code = answer.json().get("code")
            except ValueError:
                code = "(not JSON)"
        self.answers.append((method, path.split("?")[0], answer.status, content_type, code))


def at_once(call, count, timeout=60):
    """Runs `call()` on `count` threads released together; returns their results, any order."""
    go = threading.Event()
    results = []

    def run():
        go.wait()
        results.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(timeout)
    return results


def money(text):
    """'1,234.50' or '1234.50' -> 123450 centavos (exact)."""
    text = text.replace(",", "")
    neg = text.startswith("-")
    units, _, cents = text.lstrip("-").partition(".")
    v = int(units) * 100 + int((cents + "00")[:2])
    return -v if neg else v


class ServerTestCase(unittest.TestCase):
    """A test case with one demo server for the whole class and tokens for the demo people."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=cls.server_args).start()
        cls.t123 = cls.server.token(user="user-123")
        cls.t456 = cls.server.token(user="user-456")
        cls.t999 = cls.server.token(user="user-999")

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        shutil.rmtree(cls.server.data_dir, ignore_errors=True)
        assert rc == 0, f"server exited {rc}"

    def get(self, path, token=None, **kw):
        return self.server.request("GET", path, token=token, **kw)

    def post(self, path, body=None, token=None, key=None, **kw):
        headers = kw.pop("headers", {}) or {}
        if key:
            headers["Idempotency-Key"] = key
        return self.server.request("POST", path, body=body, token=token, headers=headers, **kw)

    def assertProblem(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"), r.headers)
        p = r.json()
        self.assertEqual(p["code"], code, p)
        self.assertEqual(p["status"], status)
        for k in ("type", "title", "detail", "correlation_id"):
            self.assertIn(k, p)
        if field is not None:
            self.assertEqual(p.get("field"), field, p)
        return p
