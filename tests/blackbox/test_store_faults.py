"""Store faults on a real full disk: the data directory is a small tmpfs filled with a file.
Writes answer 503 `unavailable`, one error line names SQLite's cause, /readyz answers 503; once
the file is deleted the server turns ready by itself, logs it once, and transfers succeed.
Needs root for mount(8), as in CI; skipped with the reason otherwise, and on PostgreSQL."""

import errno
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import Server, sqlite_only

TRF = "/v1/core-banking/transfer"
FS_SIZE = "4m"
WRITES_MAX = 2000  # transfers tried before the disk must have refused one
WAIT_S = 10
FAILING = "store commits failing"
RECOVERED = "store commits succeed again"


def mount_tmpfs(path):
    """Mounts a FS_SIZE tmpfs on `path`; returns why it cannot, or None."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (CI runs as root)"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={FS_SIZE}", "tmpfs", path],
                       capture_output=True, text=True)
    return None if p.returncode == 0 else f"mount -t tmpfs refused: {p.stderr.strip()}"


def fill(path):
    """Writes zeros to `path` until the file system is full."""
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                if len(chunk) == 1:
                    return
                chunk = chunk[:len(chunk) // 2]


class FullDiskTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-faults-")
        self.mount = os.path.join(self.dir, "fs")
        os.makedirs(self.mount)
        why = mount_tmpfs(self.mount)
        if why:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.skipTest(why)
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.addCleanup(subprocess.run, ["umount", self.mount], check=True)
        self.server = Server(data_dir=os.path.join(self.mount, "data"))
        os.makedirs(self.server.data_dir)
        # The log stays off the full disk, so every line the server writes can be read.
        self.server.log_path = os.path.join(self.dir, "server.log")
        self.addCleanup(self.stop)
        self.n = 0

    def stop(self):
        if self.server.proc is not None:
            self.assertEqual(self.server.stop(), 0)

    def transfer(self, token):
        self.n += 1
        return self.server.request("POST", TRF, token=token,
                                   body={"from_account": "acc-456", "to_account": "acc-789",
                                         "amount": "1.00"},
                                   headers={"Idempotency-Key": f"disk-{self.n}"})

    def state_lines(self):
        """The store's log lines about its state, in order."""
        return [json.loads(line) for line in self.server.logs().splitlines()
                if f'"message":"{FAILING}' in line or f'"message":"{RECOVERED}' in line]

    def assertOnePerChange(self, lines):
        messages = [line["message"].split(";")[0] for line in lines]
        for a, b in zip(messages, messages[1:]):
            self.assertNotEqual(a, b, messages)

    def ready(self):
        return self.server.request("GET", "/readyz").status

    def until_refused(self, token):
        """Transfers until one is not 201 (at most WRITES_MAX); returns the last answer."""
        for _ in range(WRITES_MAX):
            r = self.transfer(token)
            if r.status != 201:
                break
        return r

    def assertNotReadyUnlessRecovered(self):
        """/readyz is 503 while commits fail; 200 only once a later commit succeeded, which the
        store logs (the line follows the change of state, so it is waited for)."""
        if self.ready() == 503:
            return
        deadline = time.time() + WAIT_S
        while time.time() < deadline:
            lines = self.state_lines()
            if lines and lines[-1]["message"].split(";")[0] == RECOVERED:
                return
            time.sleep(0.05)
        self.fail(f"ready while commits fail, with no recovery logged: {self.state_lines()}")

    @sqlite_only("the full disk is the tmpfs under the data directory, which holds the SQLite "
                 "file and its WAL, and the logged cause is SQLite's; PostgreSQL's files are on "
                 "the test cluster's disk")
    def test_full_disk_is_logged_once_not_ready_and_recovers_by_itself(self):
        self.server.start()
        token = self.server.token(user="user-123")
        self.assertEqual(self.transfer(token).status, 201)
        self.assertEqual(self.state_lines(), [])
        filler = os.path.join(self.mount, "filler")
        fill(filler)

        # Commits may still reuse WAL space already on disk; one must fail once it is used up.
        r = self.until_refused(token)
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json()["code"], "unavailable")
        self.assertNotReadyUnlessRecovered()
        lines = self.state_lines()
        self.assertEqual(lines[0]["message"].split(";")[0], FAILING)
        self.assertEqual(lines[0]["level"], "error")
        self.assertEqual(lines[0]["details"]["error"], "database or disk is full")
        # After a checkpoint a small commit can reuse WAL space already on disk and succeed, so
        # a later write may pass; none is answered anything but 201 or 503 `unavailable`.
        for _ in range(3):
            r = self.transfer(token)
            self.assertIn((r.status, r.json().get("code")), ((201, None), (503, "unavailable")), r)
        # One line per change of state, however many commits fail.
        self.assertOnePerChange(self.state_lines())
        # Failing again (in the usual case still) before space returns, so the probe is what
        # finds out that it did.
        self.assertEqual(self.until_refused(token).status, 503)

        # Space returns; no client writes: the writer's probe finds out.
        os.remove(filler)
        deadline = time.time() + WAIT_S
        while self.ready() != 200 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.ready(), 200)
        # The line follows the change of state: wait for it too.
        while self.state_lines()[-1]["message"].split(";")[0] != RECOVERED and \
                time.time() < deadline:
            time.sleep(0.05)
        lines = self.state_lines()
        self.assertEqual(lines[-1]["message"].split(";")[0], RECOVERED)
        self.assertOnePerChange(lines)
        self.assertEqual(self.transfer(token).status, 201)
        self.assertEqual(self.ready(), 200)
        self.assertEqual(self.state_lines(), lines)

if __name__ == "__main__":
    unittest.main()
