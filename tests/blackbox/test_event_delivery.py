"""Event delivery as docs/events.md promises it, each promise with a test that fails when it
breaks: a webhook's 429 and a timeout are retried (not dead-lettered), `max_age_s` dead-letters
a delivery that outlives it, the admin route redrives a dead letter over HTTP, `centli events
tail` prints each new event once in commit order, the retention sweep removes only what it may,
an internal consumer applies an event delivered twice once, a transfer that fails after writing
its event leaves no event, and `--test-consumer` is refused outside test mode. A webhook
receiver runs in this process on 127.0.0.1; no wait is a sleep: each polls a condition."""

import json
import os
import tempfile
import time
import unittest

from contract_util import (WAIT_S, LineReader, Receiver, centli, drop_failing_insert,
                           failing_insert, iso_ms, query, unix_ms, wait_for, without_test_mode,
                           writer)
from harness import Server, remove_data, run_cli, store_args

TRF = "/v1/core-banking/transfer"
DLQ = "/v1/admin/events/dlq"
TEST_ENV = {"CENTLI_TEST_MODE": "1"}
TRANSFERS = {"event_type": ["TRANSFER_COMPLETED"]}
AGE_S = 1              # max_age_s of the rule that is never delivered
SLOW_TIMEOUT_MS = 300  # timeout_ms of the webhook whose first answer is held back


def webhook(receiver, path, timeout_ms=2000):
    return {"type": "webhook", "url": receiver.url(path), "secret": "contract-secret",
            "timeout_ms": timeout_ms}


def write_rules(directory, rules):
    path = os.path.join(directory, "rules.json")
    with open(path, "w") as f:
        json.dump({"rules": rules}, f)
    return path


class Bank:
    """A server started with a rules file and fast backoff, and what a test does with it."""

    def __init__(self, directory, rules, extra=()):
        self.data = os.path.join(directory, "data")
        os.makedirs(self.data, exist_ok=True)
        self.args = ["--rules", write_rules(directory, rules), "--backoff-base-ms", "50",
                     "--backoff-cap-ms", "200", *extra]
        self.server = Server(data_dir=self.data, extra_args=self.args, env=TEST_ENV).start()
        self.token = self.server.token(user="user-123")
        self.n = 0

    def transfer(self, amount="1.00", expect=201, key=None, correlation=None):
        """A transfer from acc-456 to acc-789; returns its correlation id."""
        self.n += 1
        cid = correlation or f"delivery-{self.n}-{time.time_ns()}"
        r = self.server.request("POST", TRF, token=self.token,
                                body={"from_account": "acc-456", "to_account": "acc-789",
                                      "amount": amount},
                                headers={"Idempotency-Key": key or cid, "X-Correlation-Id": cid})
        if r.status != expect:
            raise AssertionError(f"transfer answered {r}, expected {expect}")
        return cid

    def event_of(self, cid):
        """The archived envelope of the one event of a correlation id, or None."""
        out = run_cli("events", "list", *store_args(self.data), "--correlation-id", cid,
                      "--json").stdout.split()
        return json.loads(out[0]) if out else None

    def dead_letters(self, rule, cid):
        out = run_cli("events", "dlq", "list", *store_args(self.data), "--json").stdout
        return [d for d in json.loads(out)["dead_letters"]
                if d["rule"] == rule and d["event"]["correlation_id"] == cid]

    def delivery(self, event_id, target, replay=0):
        """(status, attempts) of one delivery row, or None."""
        rows = query(self.server, "SELECT status, attempts FROM deliveries WHERE event_id = ? "
                     "AND target = ? AND replay = ?", (event_id, target, replay))
        return rows[0] if rows else None

    def stop(self):
        if self.server.proc is not None:
            self.server.stop()

    def settles(self, event_id, target, expected, replay=0):
        """Waits until the delivery row reads `expected` (status, attempts); returns the row."""
        wait_for(lambda: self.delivery(event_id, target, replay) == expected)
        return self.delivery(event_id, target, replay)


class EventDeliveryTest(unittest.TestCase):
    """One server for the tests that only watch deliveries."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="centli-delivery-")
        cls.receiver = Receiver()
        cls.healed = set()  # correlation ids whose /redrive posts succeed
        cls.receiver.script = {
            "/429": lambda n, e: 429 if n <= 2 else 200,
            "/slow": lambda n, e: None if n == 1 else 200,
            "/aged": lambda n, e: 503,
            "/redrive": lambda n, e: 200 if e["correlation_id"] in cls.healed else 503,
        }
        r = cls.receiver
        cls.bank = Bank(cls.dir, [
            {"name": "ok", "pattern": TRANSFERS, "targets": [webhook(r, "/ok")]},
            {"name": "r429", "pattern": TRANSFERS, "targets": [webhook(r, "/429")]},
            {"name": "slow", "pattern": TRANSFERS,
             "targets": [webhook(r, "/slow", timeout_ms=SLOW_TIMEOUT_MS)]},
            {"name": "aged", "pattern": TRANSFERS, "targets": [webhook(r, "/aged")],
             "retry": {"max_age_s": AGE_S}},
            {"name": "redrive", "pattern": TRANSFERS, "targets": [webhook(r, "/redrive")],
             "retry": {"max_attempts": 1}},
        ], extra=["--test-consumer"])

    @classmethod
    def tearDownClass(cls):
        cls.bank.stop()
        cls.receiver.close()
        remove_data(cls.dir)

    def delivered(self, path, cid):
        return 200 in self.receiver.statuses(path, cid)

    def test_a_webhook_answering_429_is_retried_until_delivered(self):
        cid = self.bank.transfer()
        self.assertTrue(wait_for(lambda: self.delivered("/429", cid)),
                        self.receiver.statuses("/429", cid))
        self.assertEqual(self.receiver.statuses("/429", cid), [429, 429, 200])
        event = self.bank.event_of(cid)
        self.assertEqual(self.bank.settles(event["event_id"], "r429/0", ("delivered", 3)),
                         ("delivered", 3))
        self.assertEqual(self.bank.dead_letters("r429", cid), [])
        for headers, envelope in self.receiver.of("/429", cid):
            self.assertEqual(headers.get("x-centli-event-id"), event["event_id"])
            self.assertEqual(headers.get("x-correlation-id"), cid)
            self.assertEqual(envelope, event)

    def test_a_webhook_that_times_out_is_retried_until_delivered(self):
        cid = self.bank.transfer()
        self.assertTrue(wait_for(lambda: self.delivered("/slow", cid)),
                        self.receiver.statuses("/slow", cid))
        self.assertEqual(self.receiver.statuses("/slow", cid), ["held", 200])
        event_id = self.bank.event_of(cid)["event_id"]
        self.assertEqual(self.bank.settles(event_id, "slow/0", ("delivered", 2)),
                         ("delivered", 2))
        self.assertEqual(self.bank.dead_letters("slow", cid), [])

    def test_a_delivery_older_than_max_age_is_dead_lettered(self):
        cid = self.bank.transfer()
        dead = wait_for(lambda: self.bank.dead_letters("aged", cid))
        self.assertEqual(len(dead), 1, dead)
        # Only the age can have stopped it: far fewer attempts than max_attempts (185) fit in
        # one second of retries at most 200 ms apart.
        attempts = dead[0]["attempts"]
        self.assertGreaterEqual(attempts, 2)
        self.assertLessEqual(attempts, 100)
        self.assertEqual(dead[0]["last_error"], "HTTP 503")
        self.assertEqual(self.receiver.statuses("/aged", cid), [503] * attempts)
        event_id = dead[0]["event_id"]
        self.assertEqual(self.bank.delivery(event_id, "aged/0"), ("dead", attempts))

    def test_the_admin_route_redrives_a_dead_letter_over_http(self):
        cid = self.bank.transfer()
        dead = wait_for(lambda: self.bank.dead_letters("redrive", cid))
        self.assertEqual(len(dead), 1, dead)
        dead_id = dead[0]["dead_id"]
        admin = self.bank.server.token(user="ops", scopes=["admin"])
        r = self.bank.server.request("GET", f"{DLQ}?id={dead_id}", token=admin)
        self.assertEqual(r.status, 200, r)
        listed = r.json()["dead_letters"]
        self.assertEqual([(d["dead_id"], d["rule"], d["attempts"], d["last_error"])
                          for d in listed], [(dead_id, "redrive", 1, "HTTP 503")])
        self.assertEqual(listed[0]["event"]["correlation_id"], cid)
        r = self.bank.server.request("POST", f"{DLQ}?id={dead_id}", token=self.bank.token)
        self.assertEqual((r.status, r.json()["code"]), (403, "forbidden"))
        self.healed.add(cid)
        r = self.bank.server.request("POST", f"{DLQ}?id={dead_id}", token=admin)
        self.assertEqual((r.status, r.json()), (200, {"redriven": 1}), r)
        self.assertTrue(wait_for(lambda: self.delivered("/redrive", cid)),
                        self.receiver.statuses("/redrive", cid))
        self.assertEqual(self.receiver.statuses("/redrive", cid), [503, 200])
        self.assertEqual(self.bank.dead_letters("redrive", cid), [])
        r = self.bank.server.request("POST", f"{DLQ}?id={dead_id}", token=admin)
        self.assertEqual((r.status, r.json()), (200, {"redriven": 0}), r)

    def test_events_tail_prints_each_new_event_once_in_commit_order(self):
        earlier = self.bank.transfer()
        tail = LineReader(["events", "tail", *store_args(self.bank.data), "--json"])
        try:
            # The tail starts after the newest event it finds; until it has looked, a transfer
            # may fall before its start. Transfer until one shows, then watch the next ones.
            first = None
            for _ in range(20):
                self.bank.transfer()
                first = tail.next(timeout=2)
                if first is not None:
                    break
            self.assertIsNotNone(first, "events tail printed nothing")
            watched = [self.bank.transfer() for _ in range(3)]
            marker = self.bank.transfer()
            printed = [json.loads(first)]
            while printed[-1]["correlation_id"] != marker:
                line = tail.next(timeout=WAIT_S)
                self.assertIsNotNone(line, f"no line after {printed}")
                printed.append(json.loads(line))
        finally:
            tail.close()
        cids = [e["correlation_id"] for e in printed]
        self.assertNotIn(earlier, cids)
        shown = [c for c in cids if c in watched + [marker]]
        self.assertEqual(shown, watched + [marker])
        for envelope in printed:
            self.assertEqual(envelope["event_type"], "TRANSFER_COMPLETED")
            self.assertEqual(envelope, self.bank.event_of(envelope["correlation_id"]))

    def test_an_internal_consumer_applies_an_event_delivered_twice_once(self):
        cid = self.bank.transfer()
        event = self.bank.event_of(cid)
        key = "test_consumer:" + event["event_id"]
        target = "consumer:test_consumer/0"

        def applied():
            return query(self.bank.server, "SELECT value FROM meta WHERE key = ?", (key,))

        self.assertTrue(wait_for(applied))
        self.assertEqual(applied(), [("1",)])
        self.assertEqual(self.bank.settles(event["event_id"], target, ("delivered", 1)),
                         ("delivered", 1))
        at = unix_ms(event["timestamp"])
        run_cli("events", "replay", *store_args(self.bank.data), "--from", iso_ms(at - 1000),
                "--to", iso_ms(at + 2000), "--rule", "consumer:test_consumer")
        # The second delivery is made and succeeds; the inbox keeps its effect from repeating.
        self.assertEqual(self.bank.settles(event["event_id"], target, ("delivered", 1), 1),
                         ("delivered", 1))
        self.assertEqual(applied(), [("1",)])
        inbox = query(self.bank.server, "SELECT COUNT(*) FROM inbox WHERE consumer = "
                      "'test_consumer' AND event_id = ?", (event["event_id"],))
        self.assertEqual(inbox, [(1,)])

    def test_a_transfer_that_fails_after_writing_its_event_leaves_no_event(self):
        before = query(self.bank.server, "SELECT account_id, posted_minor FROM accounts "
                       "WHERE account_id IN ('acc-456', 'acc-789') ORDER BY account_id")
        failing = f"fails-after-event-{time.time_ns()}"
        refused = f"refused-{time.time_ns()}"
        db = writer(self.bank.server)
        try:
            # A write that fails after the transfer wrote its balances, entries and outbox row
            # (SQLite's RAISE(FAIL) keeps the row it fails on): only the rollback can remove them.
            failing_insert(db, "contract_fail", "outbox", "AFTER",
                           f"NEW.correlation_id = '{failing}'",
                           "contract test: fail after the event")
            r = self.bank.server.request(
                "POST", TRF, token=self.bank.token,
                body={"from_account": "acc-456", "to_account": "acc-789", "amount": "4.00"},
                headers={"Idempotency-Key": failing, "X-Correlation-Id": failing})
            self.assertEqual((r.status, r.json()["code"]), (500, "internal_error"), r)
        finally:
            drop_failing_insert(db, "contract_fail", "outbox")
            db.close()
        self.bank.transfer(amount="99999999.00", expect=422, correlation=refused)
        # Deliveries follow commit order: once a later event reached /ok, an event of the
        # failed or refused transfer would have been dispatched before it.
        marker = self.bank.transfer(amount="0.01")
        self.assertTrue(wait_for(lambda: self.delivered("/ok", marker)))
        for cid in (failing, refused):
            with self.subTest(cid=cid):
                self.assertIsNone(self.bank.event_of(cid))
                self.assertEqual(self.receiver.of("/ok", cid), [])
                self.assertEqual(query(self.bank.server, "SELECT COUNT(*) FROM transactions "
                                       "WHERE correlation_id = ?", (cid,)), [(0,)])
        after = query(self.bank.server, "SELECT account_id, posted_minor FROM accounts "
                      "WHERE account_id IN ('acc-456', 'acc-789') ORDER BY account_id")
        self.assertEqual([(a, p + d) for (a, p), d in zip(before, (-1, 1))], after)
        # Nothing was stored under the key either: the same request now succeeds once.
        again = self.bank.transfer(amount="4.00", key=failing, correlation=failing + "-again")
        self.assertIsNotNone(self.bank.event_of(again))


class RetentionTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-retention-")
        self.receiver = Receiver()
        self.bank = None

    def tearDown(self):
        if self.bank:
            self.bank.stop()
        self.receiver.close()
        remove_data(self.dir)

    def test_the_sweep_removes_old_settled_events_and_keeps_dead_and_recent_ones(self):
        self.receiver.script = {"/hook": lambda n, e: 400 if e["correlation_id"] == dead else 200}
        rules = [{"name": "hook", "pattern": TRANSFERS, "targets": [webhook(self.receiver,
                                                                            "/hook")],
                  "retry": {"max_attempts": 1}}]
        self.bank = Bank(self.dir, rules)
        old, dead, recent = (f"retention-{name}-{time.time_ns()}" for name in
                             ("old", "dead", "recent"))
        for cid in (old, dead, recent):
            self.bank.transfer(correlation=cid)
        self.assertTrue(wait_for(lambda: 200 in self.receiver.statuses("/hook", old)
                                 and 200 in self.receiver.statuses("/hook", recent)))
        self.assertTrue(wait_for(lambda: self.bank.dead_letters("hook", dead)))
        self.bank.stop()
        day_ms = 86_400_000
        db = writer(self.bank.server)
        try:
            for cid, age_days in ((old, 31), (dead, 31), (recent, 29)):
                db.execute("UPDATE outbox SET created_ms = created_ms - ? "
                           "WHERE correlation_id = ?", (age_days * day_ms, cid))
        finally:
            db.close()
        self.bank.server.start()  # the default retention is 30 days; the sweep runs at start
        self.assertTrue(wait_for(lambda: self.bank.event_of(old) is None))
        self.assertIsNotNone(self.bank.event_of(dead))
        self.assertIsNotNone(self.bank.event_of(recent))
        gone = query(self.bank.server, "SELECT COUNT(*) FROM deliveries d WHERE NOT EXISTS "
                     "(SELECT 1 FROM outbox o WHERE o.seq = d.seq)")
        self.assertEqual(gone, [(0,)])
        self.assertEqual(len(self.bank.dead_letters("hook", dead)), 1)


class TestModeTest(unittest.TestCase):
    def test_the_test_consumer_is_refused_outside_test_mode(self):
        directory = tempfile.mkdtemp(prefix="centli-test-mode-")
        try:
            for mode in (None, "0", "yes"):
                with self.subTest(mode=mode):
                    env = without_test_mode()
                    if mode is not None:
                        env["CENTLI_TEST_MODE"] = mode
                    p = centli("serve", *store_args(directory), "--listen", "127.0.0.1:0",
                               "--test-consumer", env=env, timeout=10)
                    self.assertEqual(p.returncode, 2, p.stderr)
                    self.assertIn("--test-consumer is for tests only: set CENTLI_TEST_MODE=1",
                                  p.stderr)
        finally:
            remove_data(directory)


if __name__ == "__main__":
    unittest.main()
