"""centli demo generate: the generated bank's money adds up in the store, a second run and bad
sizes are refused, and the deepest history of the bank reads page by page over HTTP, every page
continuing the one before it."""

import tempfile
import unittest

from harness import Server, money, open_db, remove_data, run_cli, store_args

PEOPLE = 300
DAYS = 60
TXN = "/v1/core-banking/transactions"
SHOP = "acc-g0000001-chk"  # every other person pays the shop now and then: the deepest history


class Generate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = tempfile.mkdtemp(prefix="centli-test-gen-")
        args = ["demo", "generate", *store_args(cls.data)]
        cls.first = run_cli(*args, "--people", str(PEOPLE), "--history-days", str(DAYS),
                            "--seed", "5", timeout=120)
        # Before the server holds the store: a second run on it.
        cls.second = run_cli(*args, "--people", "10", check=False)
        cls.server = Server(data_dir=cls.data).start()
        cls.shop_token = cls.server.token(user="user-g0000001")

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        remove_data(cls.data)
        assert rc == 0, f"server exited {rc}"

    def test_the_run_says_what_it_made(self):
        line = self.first.stdout.strip()
        self.assertTrue(line.startswith(f"generated {PEOPLE} people: {3 + 3 * PEOPLE} accounts, "),
                        line)
        rows = int(line.split(" history rows")[0].rsplit(" ", 1)[1])
        with self.server.db() as c:
            self.assertEqual(c.execute("SELECT COUNT(*) FROM transactions").fetchone()[0], rows)

    def test_the_money_adds_up(self):
        with self.server.db() as c:
            # The demo's deposits, 88,600.00, are the only money that came from nowhere.
            self.assertEqual(c.execute("SELECT SUM(posted_minor) FROM accounts").fetchone()[0],
                             8_860_000)
            below = c.execute(
                "SELECT COUNT(*) FROM accounts WHERE (type IN ('checking', 'savings') AND "
                "posted_minor < 0) OR (type = 'credit' AND posted_minor + credit_limit_minor < 0)"
            ).fetchone()[0]
            self.assertEqual(below, 0)
            # Every generated account's history adds up to its balance.
            wrong = c.execute(
                "SELECT a.account_id FROM accounts a LEFT JOIN (SELECT account_id, "
                "SUM(CASE WHEN direction = 'credit' THEN amount_minor ELSE -amount_minor END) "
                "AS moved FROM transactions GROUP BY account_id) t "
                "ON t.account_id = a.account_id WHERE a.account_id LIKE 'acc-g%' "
                "AND COALESCE(t.moved, 0) <> a.posted_minor").fetchall()
            self.assertEqual(list(wrong), [])
            people = c.execute("SELECT COUNT(DISTINCT user_id) FROM accounts "
                               "WHERE user_id LIKE 'user-g%'").fetchone()[0]
            self.assertEqual(people, PEOPLE)

    def test_a_second_run_is_refused_and_bad_sizes_are_usage_errors(self):
        self.assertEqual(self.second.returncode, 1, self.second.stderr)
        self.assertIn("already holds a generated bank (people=300 history_days=60 seed=5",
                      self.second.stderr)
        for people, why in (("0", "--people must be from 1 to 1000000 (got 0)"),
                            ("-4", "--people must be from 1 to 1000000 (got -4)"),
                            ("5000000", "--people must be from 1 to 1000000 (got 5000000)")):
            p = run_cli("demo", "generate", "--data", self.data + "-unused", "--people", people,
                        check=False)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(why, p.stderr)

    def test_the_deepest_history_reads_page_by_page_to_its_first_line(self):
        with self.server.db() as c:
            expected = [r[0] for r in c.execute(
                "SELECT transaction_id FROM transactions WHERE account_id = ? "
                "ORDER BY timestamp_ms DESC, seq DESC", (SHOP,)).fetchall()]
            posted = c.execute("SELECT posted_minor FROM accounts WHERE account_id = ?",
                               (SHOP,)).fetchone()[0]
        self.assertGreater(len(expected), 1500)
        lines, cursor = [], None
        while True:
            path = f"{TXN}?account_id={SHOP}&limit=100" + (f"&cursor={cursor}" if cursor else "")
            r = self.server.request("GET", path, token=self.shop_token)
            self.assertEqual(r.status, 200, r)
            lines += r.json()["transactions"]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        self.assertEqual([x["transaction_id"] for x in lines], expected)
        # Newest first: each line's balance is the older line's moved by the line's amount.
        self.assertEqual(money(lines[0]["balance_after"]), posted)
        for newer, older in zip(lines, lines[1:]):
            moved = money(newer["amount"]) * (1 if newer["direction"] == "credit" else -1)
            self.assertEqual(money(newer["balance_after"]) - moved, money(older["balance_after"]))
        last = lines[-1]
        self.assertEqual(money(last["balance_after"]), money(last["amount"]))


if __name__ == "__main__":
    unittest.main()
