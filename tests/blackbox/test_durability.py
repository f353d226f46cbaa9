"""Durability and consistency: 1,000 concurrent random transfers keep the total, a restart keeps
everything, kill -9 loses no acknowledged transfer and every balance equals its history, logs
hold no balance, full account number or token, and SIGTERM exits 0."""

import random
import tempfile
import threading
import time
import unittest

from harness import Server, money, remove_data

BAL = "/v1/core-banking/balance"
TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"

# The demo bank (docs/demo-data.md): owner and opening posted balance in centavos.
DEMO = {
    "acc-456": ("user-123", 5_000_000),
    "acc-457": ("user-123", 2_500_000),
    "acc-458": ("user-123", -250_000),
    "acc-789": ("user-456", 1_500_000),
    "acc-790": ("user-456", 100_000),
    "acc-999": ("user-999", 10_000),
}
PEOPLE = ("user-123", "user-456", "user-999")
FULL_NUMBERS = ("0123456780456", "0123456780457", "4152313400000458", "0123456780789",
                "0123456780790", "0123456780999")
THREADS = 16


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-durability-")
        self.server = Server(data_dir=self.dir).start()
        self.tokens = {p: self.server.token(user=p) for p in PEOPLE}
        self.seen_balances = set()
        self.refusals = set()  # (status, code) of every refused transfer

    def tearDown(self):
        if self.server.proc is not None:
            self.server.stop()
        remove_data(self.dir)

    # ------------------------------------------------------------------ helpers

    def balances(self):
        out = {}
        for p in PEOPLE:
            r = self.server.request("GET", BAL, token=self.tokens[p])
            self.assertEqual(r.status, 200, r)
            for a in r.json()["accounts"]:
                out[a["account_id"]] = money(a["posted"])
                self.seen_balances.update((a["posted"], a["available"]))
        return out

    def history(self, person):
        rows, cursor = [], None
        for _ in range(1000):
            path = f"{TXN}?limit=100" + (f"&cursor={cursor}" if cursor else "")
            r = self.server.request("GET", path, token=self.tokens[person])
            self.assertEqual(r.status, 200, r)
            page = r.json()
            rows += page["transactions"]
            cursor = page["next_cursor"]
            if not cursor:
                return rows
        self.fail("history did not end")

    def run_transfers(self, count, stop=None, acked=None, seed=7):
        """Random transfers among the demo accounts on THREADS threads; returns statuses."""
        rng = random.Random(seed)
        plan = []
        for i in range(count):
            src, dst = rng.sample(sorted(DEMO), 2)
            plan.append((i, src, dst, f"{rng.randint(1, 5000) / 100:.2f}"))
        statuses, lock = [], threading.Lock()

        def worker(part):
            conn = self.server.connection(timeout=10)
            for i, src, dst, amount in part:
                if stop is not None and stop.is_set():
                    return
                body = {"from_account": src, "to_account": dst, "amount": amount}
                try:
                    r = self.server.request("POST", TRF, body=body, conn=conn,
                                            token=self.tokens[DEMO[src][0]],
                                            headers={"Idempotency-Key": f"t-{seed}-{i}"})
                except OSError:
                    if stop is not None:
                        return
                    conn.close()
                    conn = self.server.connection(timeout=10)
                    continue
                with lock:
                    statuses.append(r.status)
                    if r.status >= 400:
                        self.refusals.add((r.status, r.json().get("code")))
                    if r.status == 201:
                        j = r.json()
                        self.seen_balances.add(j["balance_after"])
                        if acked is not None:
                            acked.append((j["transfer_id"], src))
            conn.close()

        threads = [threading.Thread(target=worker, args=(plan[k::THREADS],))
                   for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return statuses

    def assert_balances_equal_history(self):
        bal = self.balances()
        for account, (owner, opening) in DEMO.items():
            rows = [x for x in self.history(owner) if x["account_id"] == account]
            net = sum(money(x["amount"]) * (1 if x["direction"] == "credit" else -1) for x in rows)
            self.assertEqual(bal[account], opening + net, account)
            if rows:
                self.assertEqual(money(rows[0]["balance_after"]), bal[account], account)

    # ------------------------------------------------------------------ tests

    def test_a_thousand_concurrent_random_transfers_keep_the_total(self):
        before = self.balances()
        self.assertEqual(before, {a: v for a, (_, v) in DEMO.items()})
        statuses = self.run_transfers(1000)
        self.assertEqual(len(statuses), 1000)
        self.assertGreater(statuses.count(201), 300)
        # Random amounts among the demo accounts can only run out of money or meet the
        # inactive acc-790; any other refusal (a 500, a 409 on unique keys) is a fault.
        self.assertLessEqual(self.refusals, {(422, "insufficient_funds"),
                                             (422, "account_inactive")})
        after = self.balances()
        self.assertEqual(sum(after.values()), sum(before.values()))
        self.assert_balances_equal_history()
        self.assertEqual(self.server.stop(), 0, "SIGTERM must exit 0")
        self.assert_logs_clean()

    def test_restart_keeps_everything(self):
        self.run_transfers(100, seed=11)
        bal = self.balances()
        hist = {p: self.history(p) for p in PEOPLE}
        self.assertEqual(self.server.stop(), 0)
        self.server = Server(data_dir=self.dir).start()  # --demo must not load twice
        self.assertEqual(self.balances(), bal)
        self.assertEqual({p: self.history(p) for p in PEOPLE}, hist)

    def test_kill_9_during_transfers_loses_no_acknowledged_transfer(self):
        stop, acked = threading.Event(), []
        runner = threading.Thread(target=self.run_transfers,
                                  kwargs={"count": 3000, "stop": stop, "acked": acked, "seed": 13})
        runner.start()
        deadline = time.time() + 10
        while len(acked) < 150 and time.time() < deadline:
            time.sleep(0.01)
        self.server.kill9()
        stop.set()
        runner.join(60)
        self.assertGreater(len(acked), 0)
        self.server = Server(data_dir=self.dir).start()
        ids = {p: {x["transfer_id"] for x in self.history(p)} for p in PEOPLE}
        missing = [t for t, src in acked if t not in ids[DEMO[src][0]]]
        self.assertEqual(missing, [])
        self.assert_balances_equal_history()
        self.assertEqual(sum(self.balances().values()), sum(v for _, v in DEMO.values()))

    def assert_logs_clean(self):
        log = self.server.logs()
        self.assertIn('"correlation_id"', log)
        for number in FULL_NUMBERS:
            self.assertNotIn(number, log)
        for token in self.tokens.values():
            self.assertNotIn(token, log)
            self.assertNotIn(token[4:20], log)
        # Short amounts could be part of a duration; balances of 7+ characters cannot.
        for b in sorted(x for x in self.seen_balances if len(x) >= 7):
            self.assertNotIn(b, log)


if __name__ == "__main__":
    unittest.main()
