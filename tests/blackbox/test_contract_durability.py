"""The store's promises at the REST door (docs/api.md, Idempotency and Errors): an acknowledged
idempotency key and its effect survive `kill -9` together, so a resend after the restart gets
the same bytes and moves nothing; and a store that cannot commit (another process holds the
database's write lock) answers 503 `unavailable` and keeps nothing, so the same key works once
the store is free; and a key record that cannot be written takes the effect with it, so the
resend moves money once."""

import tempfile
import unittest

from contract_util import drop_failing_insert, failing_insert, query, writer
from harness import Server, money, remove_data, sqlite_only

BAL = "/v1/core-banking/balance"
TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"
PEOPLE = ("user-123", "user-456", "user-999")


class ContractDurabilityTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-contract-")
        self.server = Server(data_dir=self.dir).start()
        self.tokens = {p: self.server.token(user=p) for p in PEOPLE}

    def tearDown(self):
        if self.server.proc is not None:
            self.server.stop()
        remove_data(self.dir)

    def transfer(self, person, src, dst, amount, key):
        return self.server.request("POST", TRF, token=self.tokens[person],
                                   body={"from_account": src, "to_account": dst, "amount": amount},
                                   headers={"Idempotency-Key": key})

    def balances(self):
        out = {}
        for person, token in self.tokens.items():
            r = self.server.request("GET", BAL, token=token)
            self.assertEqual(r.status, 200, r)
            out.update({a["account_id"]: money(a["posted"]) for a in r.json()["accounts"]})
        return out

    def test_an_acknowledged_key_and_its_effect_survive_kill_9_together(self):
        sent = [
            ("user-123", "acc-456", "acc-789", "10.00", "crash-1"),
            ("user-456", "acc-789", "acc-999", "2.50", "crash-2"),
            ("user-123", "acc-457", "acc-456", "7.77", "crash-3"),
            ("user-999", "acc-999", "acc-789", "5000.00", "crash-refused"),  # sticky refusal
        ]
        answers = [self.transfer(*s) for s in sent]
        self.assertEqual([a.status for a in answers], [201, 201, 201, 422], answers)
        after = self.balances()
        self.server.kill9()
        self.server.start()
        self.tokens = {p: self.server.token(user=p) for p in PEOPLE}
        self.assertEqual(self.balances(), after)
        for s, first in zip(sent, answers):
            with self.subTest(key=s[-1]):
                again = self.transfer(*s)
                self.assertEqual(again.status, first.status)
                self.assertEqual(again.body, first.body)
                self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(self.balances(), after)
        for first in answers[:3]:
            transfer_id = first.json()["transfer_id"]
            legs = query(self.server, "SELECT direction FROM transactions WHERE transfer_id = ? "
                         "ORDER BY direction", (transfer_id,))
            self.assertEqual(legs, [("credit",), ("debit",)], transfer_id)

    @sqlite_only("another process holding SQLite's one write lock for the whole database "
                 "(BEGIN IMMEDIATE) is what stops every commit; PostgreSQL has no such lock")
    def test_a_store_that_cannot_commit_answers_503_and_keeps_no_effect(self):
        before = self.balances()
        lock = writer(self.server)
        try:
            lock.execute("BEGIN IMMEDIATE")  # what an operator's sqlite3 shell can do
            r = self.transfer("user-123", "acc-456", "acc-789", "3.00", "busy-1")
            self.assertEqual(r.status, 503, r)
            self.assertTrue(r.headers.get("content-type", "").startswith(
                "application/problem+json"), r.headers)
            problem = r.json()
            self.assertEqual((problem["code"], problem["status"]), ("unavailable", 503))
            self.assertEqual(problem["correlation_id"], r.headers.get("x-correlation-id"))
            # Readers never wait for the writer: balances stay readable meanwhile.
            self.assertEqual(self.balances(), before)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        again = self.transfer("user-123", "acc-456", "acc-789", "3.00", "busy-1")
        self.assertEqual(again.status, 201, again)
        self.assertNotIn("idempotent-replayed", again.headers)
        expected = dict(before, **{"acc-456": before["acc-456"] - 300,
                                   "acc-789": before["acc-789"] + 300})
        self.assertEqual(self.balances(), expected)

    def test_a_key_record_that_cannot_be_written_takes_its_effect_with_it(self):
        before = self.balances()
        db = writer(self.server)
        try:
            # The key record is the command's last write: failing it must undo the transfer,
            # or the 500 answer invites a resend that moves the money a second time.
            failing_insert(db, "contract_key_fail", "idempotency", "BEFORE",
                           "NEW.key = 'key-fails-1'", "contract test: key record refused")
            r = self.transfer("user-123", "acc-456", "acc-789", "6.00", "key-fails-1")
            self.assertEqual((r.status, r.json()["code"]), (500, "internal_error"), r)
            self.assertEqual(self.balances(), before)
        finally:
            drop_failing_insert(db, "contract_key_fail", "idempotency")
            db.close()
        again = self.transfer("user-123", "acc-456", "acc-789", "6.00", "key-fails-1")
        self.assertEqual(again.status, 201, again)
        self.assertNotIn("idempotent-replayed", again.headers)
        replay = self.transfer("user-123", "acc-456", "acc-789", "6.00", "key-fails-1")
        self.assertEqual((replay.status, replay.body), (201, again.body))
        expected = dict(before, **{"acc-456": before["acc-456"] - 600,
                                   "acc-789": before["acc-789"] + 600})
        self.assertEqual(self.balances(), expected)


if __name__ == "__main__":
    unittest.main()
