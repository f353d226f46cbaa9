"""PostgreSQL going away under load (issue 11): the database restarted at once
(`pg_ctl restart -m immediate`, every connection cut) while clients move money. No acknowledged
transfer is lost or doubled, every 503 says when to retry, and the node serves again by itself,
without a restart. The test runs its own cluster: restarting the shared one would cut the other
tests' servers."""

import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from harness import POSTGRES, ROOT, PgDb, Server, money, psql, remove_data

TRF = "/v1/core-banking/transfer"
BAL = "/v1/core-banking/balance"
TXN = "/v1/core-banking/transactions"
SERVER = os.path.join(ROOT, "tests", "pg", "server")
CLIENTS = 6
LOAD_S = 6.0          # the whole load, the restart in its middle
RETRY_FOR_S = 30.0    # how long one client resends a transfer answered 503 (same key)
READY_WITHIN_S = 20.0  # the node is ready again this long after the database is back


@unittest.skipUnless(POSTGRES, "about PostgreSQL going away: the embedded store has no server")
class DatabaseRestartTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="centli-pg-outage-")
        self.cluster = os.path.join(self.work, "pg")
        subprocess.run([SERVER, "start", self.cluster], check=True, timeout=120)
        with open(os.path.join(self.cluster, "url")) as f:
            admin = f.read().strip()
        psql(admin, 'CREATE DATABASE "outage"')
        url = urllib.parse.urlunsplit(urllib.parse.urlsplit(admin)._replace(path="/outage"))
        self.url = url
        # The harness gives a data directory a database on the shared cluster; this server's
        # store is the database of its own cluster instead.
        os.makedirs(os.path.join(self.work, "node"))
        self.server = Server(data_dir=os.path.join(self.work, "node"))
        self.server.store_args = lambda: ["--store", url]
        self.server.start()
        self.token = self.server.token(user="user-123")

    def tearDown(self):
        if self.server.proc is not None:
            self.server.stop()
        subprocess.run([SERVER, "stop", self.cluster], timeout=120)
        remove_data(self.work)

    def posted(self):
        r = self.server.request("GET", BAL, token=self.token)
        self.assertEqual(r.status, 200, r)
        return {a["account_id"]: money(a["posted"]) for a in r.json()["accounts"]}

    def transfer(self, key, stop_at):
        """Sends one transfer until it gets a final answer or RETRY_FOR_S passes; returns the
        answers seen, last one last."""
        answers = []
        while True:
            try:
                r = self.server.request(
                    "POST", TRF, token=self.token,
                    body={"from_account": "acc-456", "to_account": "acc-457", "amount": "1.00"},
                    headers={"Idempotency-Key": key})
                answers.append(r)
                if r.status != 503:
                    return answers
                self.assertIn("retry-after", r.headers, r)
            except OSError as e:
                answers.append(e)
            if time.time() > stop_at:
                return answers
            time.sleep(0.1)

    def test_restart_loses_no_acknowledged_transfer_and_the_node_recovers_by_itself(self):
        before = self.posted()
        acknowledged, outcomes, lock = [], [], threading.Lock()
        load_until = time.time() + LOAD_S

        def client(n):
            i = 0
            while time.time() < load_until:
                key = f"outage-{n}-{i}"
                i += 1
                answers = self.transfer(key, time.time() + RETRY_FOR_S)
                with lock:
                    outcomes.append(answers)
                    last = answers[-1]
                    if not isinstance(last, OSError) and last.status == 201:
                        acknowledged.append((key, last.json()["transfer_id"]))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_S / 2)
        subprocess.run([SERVER, "restart", self.cluster], check=True, timeout=120)
        for t in threads:
            t.join(timeout=LOAD_S + RETRY_FOR_S + 30)
            self.assertFalse(t.is_alive(), "a client never got a final answer")

        # Every transfer got its final answer: 201, or (rarely) nothing final within the retry
        # window; none was refused as a duplicate or in conflict with itself.
        for answers in outcomes:
            last = answers[-1]
            self.assertFalse(isinstance(last, OSError), f"connection failed: {last}")
            self.assertIn(last.status, (201, 503), last)

        # The node is ready again without a restart, and takes new writes.
        deadline = time.time() + READY_WITHIN_S
        while self.server.request("GET", "/readyz").status != 200:
            self.assertLess(time.time(), deadline, "not ready after the database came back")
            time.sleep(0.1)
        final = self.transfer("outage-after", time.time() + RETRY_FOR_S)[-1]
        self.assertEqual(final.status, 201, final)
        acknowledged.append(("outage-after", final.json()["transfer_id"]))

        # Each acknowledged transfer is in the history exactly once; money moved by exactly the
        # transfers that happened (acknowledged ones, plus any applied whose answer was lost).
        with PgDb(self.url) as db:
            counts = dict(db.execute(
                "SELECT transfer_id, count(*) FROM transactions "
                "WHERE account_id = 'acc-456' GROUP BY transfer_id").fetchall())
        for key, transfer_id in acknowledged:
            self.assertEqual(int(counts.get(transfer_id, 0)), 1, (key, transfer_id))
        after = self.posted()
        moved = before["acc-456"] - after["acc-456"]
        self.assertEqual(moved, len(counts) * 100)
        self.assertEqual(after["acc-457"] - before["acc-457"], moved)
        self.assertGreaterEqual(len(counts), len(acknowledged))
        self.server.check_answers()
        # The node saw the database go and come back, and each time it went it came back.
        logs = self.server.logs()
        self.assertGreaterEqual(logs.count("store commits failing"), 1, logs[-3000:])
        self.assertEqual(logs.count("store commits succeed again"),
                         logs.count("store commits failing"), logs[-3000:])
        retried = sum(1 for answers in outcomes if len(answers) > 1)
        self.assertGreater(retried, 0, "no transfer met the outage: the test proved nothing")

    def test_a_quiet_node_turns_not_ready_while_the_database_is_down_and_ready_after(self):
        # No request at all: the node finds out by itself, and recovers by itself.
        self.assertEqual(self.server.request("GET", "/readyz").status, 200)
        subprocess.run([SERVER, "pause", self.cluster], check=True, timeout=120)
        try:
            deadline = time.time() + READY_WITHIN_S
            while self.server.request("GET", "/readyz").status != 503:
                self.assertLess(time.time(), deadline, "still ready with the database down")
                time.sleep(0.1)
            r = self.server.request(
                "POST", TRF, token=self.token, headers={"Idempotency-Key": "while-down"},
                body={"from_account": "acc-456", "to_account": "acc-457", "amount": "1.00"})
            self.assertEqual(r.status, 503, r)
            self.assertIn("retry-after", r.headers, r)
            self.assertEqual(r.json()["code"], "unavailable", r)
        finally:
            subprocess.run([SERVER, "resume", self.cluster], check=True, timeout=120)
        deadline = time.time() + READY_WITHIN_S
        while self.server.request("GET", "/readyz").status != 200:
            self.assertLess(time.time(), deadline, "not ready after the database came back")
            time.sleep(0.1)
        r = self.server.request(
            "POST", TRF, token=self.token, headers={"Idempotency-Key": "while-down"},
            body={"from_account": "acc-456", "to_account": "acc-457", "amount": "1.00"})
        self.assertEqual(r.status, 201, r)
        self.server.check_answers()


if __name__ == "__main__":
    unittest.main()
