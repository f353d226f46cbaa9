"""Black-box test harness: starts the real centli binary on a free port with a temporary data
directory, creates tokens through the CLI, and speaks HTTP/1.1 to it. Standard library only.

The store is SQLite in the data directory unless CENTLI_TEST_STORE=postgres: then each data
directory gets its own database on the test cluster whose URL is in the file named by
CENTLI_TEST_PG_URL_FILE (tests/pg/server writes it), named in DATA_DIR/pg-database so a server
started again on the same directory finds it, and every tool is given `--store URL` for it
instead of `--data DIR` (store_args). The directory still holds the server's log.

Every answer a server gives to a documented operation is recorded, and when the server stops
each one must be declared by its group's OpenAPI document (status, content type, and for a
problem its code), so no black-box test can see the wire disagree with the documents."""

import glob
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

BIN = os.environ.get("CENTLI_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "release", "centli")

START_TIMEOUT_S = 10
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

STORE = os.environ.get("CENTLI_TEST_STORE", "sqlite")
if STORE not in ("sqlite", "postgres"):
    raise SystemExit(f"CENTLI_TEST_STORE is sqlite or postgres, not {STORE!r}")
POSTGRES = STORE == "postgres"
PG_DATABASE_FILE = "pg-database"  # in a data directory: the name of its database
PG_TIMEOUT_S = 30                 # longest a psql statement of the harness may take
PG_NAME = re.compile(r"^centli_test_[0-9a-z_]+$")


def sqlite_only(why):
    """Skips a test or a class when the store is PostgreSQL; `why` says what it is about that
    only the SQLite store has."""
    return unittest.skipIf(POSTGRES, "SQLite only: " + why)


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


def psql_bin():
    """The newest PostgreSQL's psql, as tests/pg/server picks the newest server."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"),
                   key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
    return found[-1] if found else (shutil.which("psql") or "psql")


def cluster_url():
    """The superuser URL of the test cluster."""
    path = os.environ.get("CENTLI_TEST_PG_URL_FILE")
    if not path:
        raise AssertionError("CENTLI_TEST_STORE=postgres needs CENTLI_TEST_PG_URL_FILE, the url "
                             "file of a cluster made by `tests/pg/server start DIR` (DIR/url)")
    with open(path) as f:
        return f.read().strip()


def database_url(name):
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(cluster_url())._replace(path="/" + name))


def psql(url, sql):
    """Runs one SQL command with psql; fails with psql's message."""
    p = subprocess.run([psql_bin(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=PG_TIMEOUT_S)
    if p.returncode != 0:
        raise AssertionError(f"psql {sql!r} exited {p.returncode}: {p.stderr.strip()}")


def store_url(data_dir):
    """The URL of the database of `data_dir` on the test cluster, made on first use."""
    os.makedirs(data_dir, exist_ok=True)
    path = os.path.join(data_dir, PG_DATABASE_FILE)
    try:
        with open(path) as f:
            name = f.read().strip()
    except FileNotFoundError:
        name = f"centli_test_{os.getpid()}_{uuid.uuid4().hex[:16]}"
        psql(cluster_url(), f'CREATE DATABASE "{name}"')
        with open(path, "w") as f:
            f.write(name + "\n")
    return database_url(name)


def store_args(data_dir):
    """The arguments that give a centli subcommand the store of `data_dir`:
    ["--data", data_dir] or, on PostgreSQL, ["--store", URL of its database]."""
    return ["--store", store_url(data_dir)] if POSTGRES else ["--data", data_dir]


def remove_data(path):
    """Removes a directory tree; on PostgreSQL first drops the database of each data directory
    in it. Best effort: the whole cluster goes at the end of the run anyway (ctest's pg.stop)."""
    if POSTGRES and os.path.isdir(path):
        for root, _, files in os.walk(path):
            if PG_DATABASE_FILE not in files:
                continue
            try:
                with open(os.path.join(root, PG_DATABASE_FILE)) as f:
                    name = f.read().strip()
                if PG_NAME.match(name):
                    psql(cluster_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except (OSError, AssertionError, subprocess.SubprocessError):
                pass
    shutil.rmtree(path, ignore_errors=True)


class SqliteDb(sqlite3.Connection):
    """A sqlite3 connection that a `with` block closes (sqlite3's own only commits)."""

    def __exit__(self, *exc):
        super().__exit__(*exc)
        self.close()
        return False


class Rows:
    """The result of PgDb.execute: fetchone, fetchall and iteration, as a sqlite3 cursor."""

    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return list(self.rows)

    def __iter__(self):
        return iter(self.rows)


def sql_literal(value):
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def bind(sql, args):
    """`sql` with each `?` outside quotes replaced by the literal of the next argument (the
    tests' own values, never outside input)."""
    out, quote, args = [], None, list(args)
    for ch in sql:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append(sql_literal(args.pop(0)))
            continue
        out.append(ch)
    if args:
        raise AssertionError(f"{len(args)} arguments left over for {sql!r}")
    return "".join(out)


class PgDb:
    """One session on a PostgreSQL database through a psql process, with the part of sqlite3's
    connection the tests use: execute(sql, args) (`?` placeholders), close(), and `with`, which
    closes. A statement that starts with SELECT or WITH returns its rows as tuples, read as JSON
    so numbers are ints, text is str and NULL is None; any other returns no rows. Read-only
    unless `write`. The session persists, so a transaction begun in one call holds its locks
    until a later one ends it."""

    def __init__(self, url, write=False):
        self.proc = subprocess.Popen([psql_bin(), "-X", "-q", "-A", "-t", "-d", url],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.pending = b""
        self.n = 0
        if not write:
            self.execute("SET default_transaction_read_only = on")

    def execute(self, sql, args=()):
        sql = bind(sql, args).strip().rstrip(";")
        rows = re.match(r"(?is)\s*(select|with)\b", sql) is not None
        if rows:
            sql = f"SELECT row_to_json(q) FROM ({sql}) q"
        self.n += 1
        marker = f"-- centli-harness {self.n}"
        self.proc.stdin.write(f"{sql};\n\\echo '{marker}' :ERROR :LAST_ERROR_MESSAGE\n".encode())
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self._line()
            if line.startswith(marker):
                break
            lines.append(line)
        failed, _, message = line[len(marker):].strip().partition(" ")
        if failed == "true":
            raise AssertionError(f"PostgreSQL refused {sql!r}: {message}")
        pairs = (json.loads(l, object_pairs_hook=lambda kv: tuple(v for _, v in kv))
                 for l in lines if l)
        return Rows(list(pairs) if rows else [])

    def _line(self):
        deadline = time.monotonic() + PG_TIMEOUT_S
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise AssertionError(f"psql gave no answer in {PG_TIMEOUT_S} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"psql ended (exit {self.proc.wait()})")
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return line.decode()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=PG_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def open_db(data_dir, write=False):
    """A connection to the database of `data_dir` beside whatever server runs on it: read-only,
    or read-write in autocommit mode for a fault a test injects. The caller closes it (or uses
    `with`). SQL dialects differ: a test that writes SQL only one of them reads checks POSTGRES."""
    if POSTGRES:
        return PgDb(store_url(data_dir), write)
    path = os.path.join(data_dir, "centli.db")
    if write:
        return sqlite3.connect(path, timeout=10, isolation_level=None, factory=SqliteDb)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10, factory=SqliteDb)


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
    """One centli server process. Use as a context manager or call start()/stop(). `data_dir`
    holds its log and, on SQLite, its store; on PostgreSQL its store is the database named in
    it (store_args), so a Server started again on the same directory finds the same data."""

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
            remove_data(self.data_dir)

    def store_args(self):
        """The arguments that give a CLI call this server's store: ["--data", its directory] or
        ["--store", its database's URL]."""
        return store_args(self.data_dir)

    def db(self, write=False):
        """A connection to this server's database beside it (open_db)."""
        return open_db(self.data_dir, write)

    def start(self):
        self.port = free_port()
        args = [BIN, "serve", "--listen", f"127.0.0.1:{self.port}", *self.store_args(),
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
        args = ["token", "create", *self.store_args()]
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
        remove_data(cls.server.data_dir)
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
