"""Marketplace: catalog, purchase saga (success, failure, out of stock, replay, crash, expiry),
with money conserved throughout. Reads the outbox from the server's database, read-only."""

import os
import tempfile
import time
import unittest

from harness import POSTGRES, Server, ServerTestCase, money, remove_data, run_cli, store_args

SUCCESS = ["PURCHASE_INITIATED", "INVENTORY_RESERVED", "PAYMENT_COMPLETED", "PURCHASE_CONFIRMED"]
FAILURE = ["PURCHASE_INITIATED", "INVENTORY_RESERVED", "PAYMENT_FAILED", "COMPENSATION_REQUIRED",
           "INVENTORY_RELEASED", "USER_NOTIFIED"]
TEST_ENV = {"CENTLI_TEST_MODE": "1"}


def db(server):
    return server.db()


# The envelope's data.purchase_id, in the SQL of the store.
PURCHASE_ID_OF_ENVELOPE = ("envelope::jsonb #>> '{data,purchase_id}'" if POSTGRES else
                           "json_extract(envelope, '$.data.purchase_id')")


def events_of(server, purchase_id):
    with db(server) as c:
        rows = c.execute("SELECT event_type, correlation_id FROM outbox "
                         f"WHERE {PURCHASE_ID_OF_ENVELOPE} = ? ORDER BY seq",
                         (purchase_id,)).fetchall()
    return [r[0] for r in rows], {r[1] for r in rows}


def total_money(server):
    with db(server) as c:
        return c.execute("SELECT SUM(posted_minor) FROM accounts").fetchone()[0]


def product(server, product_id):
    with db(server) as c:
        return c.execute("SELECT stock, held_stock FROM products WHERE product_id = ?",
                         (product_id,)).fetchone()


def posted(server, account_id):
    with db(server) as c:
        return c.execute("SELECT posted_minor FROM accounts WHERE account_id = ?",
                         (account_id,)).fetchone()[0]


def wait_state(case, server, token, purchase_id, states, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        r = server.request("GET", f"/v1/marketplace/purchases/{purchase_id}", token=token)
        if r.status == 200 and r.json()["state"] in states:
            return r.json()
        time.sleep(0.05)
    case.fail(f"purchase {purchase_id} did not reach {states}")


class Catalog(ServerTestCase):
    def test_text_search_ignores_case_and_accents(self):
        r = self.get("/v1/marketplace/catalog?q=TELEFONO", token=self.t123)
        self.assertEqual(r.status, 200, r)
        ids = {p["product_id"] for p in r.json()["products"]}
        self.assertEqual(ids, {"prd-phone-a15", "prd-phone-x20", "prd-phone-mini"})
        self.assertIn("summary", r.json())

    def test_filters_by_retailer_and_category(self):
        r = self.get("/v1/marketplace/catalog?category=travel&limit=100", token=self.t123).json()
        self.assertEqual(len(r["products"]), 8)
        self.assertTrue(all(p["retailer_id"] == "ret-viajes" for p in r["products"]))
        self.assertEqual(r["products"][0]["retailer_name"], "Viajes Sol")
        r = self.get("/v1/marketplace/catalog?retailer_id=ret-casa&limit=100", token=self.t123)
        self.assertEqual(len(r.json()["products"]), 8)

    def test_pages_in_price_order_without_repeats(self):
        seen, prices, cursor = [], [], None
        for _ in range(20):
            path = "/v1/marketplace/catalog?sort=price_asc&limit=7"
            r = self.get(path + (f"&cursor={cursor}" if cursor else ""), token=self.t123).json()
            seen += [p["product_id"] for p in r["products"]]
            prices += [float(p["price"]) for p in r["products"]]
            cursor = r["next_cursor"]
            if not cursor:
                break
        self.assertGreaterEqual(len(seen), 40)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(prices, sorted(prices))

    def test_bad_cursor_is_refused(self):
        r = self.get("/v1/marketplace/catalog?cursor=nope", token=self.t123)
        self.assertProblem(r, 400, "invalid_request", "cursor")


class Purchases(ServerTestCase):
    def buy(self, token, key, product_id, account_id, option_id, quantity=1):
        return self.post("/v1/marketplace/purchase", {
            "product_id": product_id, "quantity": quantity, "account_id": account_id,
            "option_id": option_id}, token=token, key=key)

    def test_success_emits_four_events_and_moves_stock_and_money_once(self):
        money0 = total_money(self.server)
        stock0 = product(self.server, "prd-earbuds")
        acc0, ret0 = posted(self.server, "acc-456"), posted(self.server, "acc-set-electro")
        r = self.buy(self.t123, "ok-1", "prd-earbuds", "acc-456", "full:acc-456", 2)
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertEqual(body["status"], "CONFIRMED")
        types, correlations = events_of(self.server, body["purchase_id"])
        self.assertEqual(types, SUCCESS)
        self.assertEqual(correlations, {body["correlation_id"]})
        self.assertEqual(product(self.server, "prd-earbuds"), (stock0[0] - 2, 0))
        self.assertEqual(posted(self.server, "acc-456"), acc0 - 259800)
        self.assertEqual(posted(self.server, "acc-set-electro"), ret0 + 259800)
        self.assertEqual(total_money(self.server), money0)
        # Replay: byte-identical, no new effect.
        again = self.buy(self.t123, "ok-1", "prd-earbuds", "acc-456", "full:acc-456", 2)
        self.assertEqual((again.status, again.body), (r.status, r.body))
        self.assertEqual(posted(self.server, "acc-456"), acc0 - 259800)
        self.assertEqual(product(self.server, "prd-earbuds"), (stock0[0] - 2, 0))

    def test_cashback_option_credits_the_paying_account_once(self):
        money0 = total_money(self.server)
        options = self.post("/v1/marketplace/benefits",
                            {"product_id": "prd-earbuds", "quantity": 1, "account_id": "acc-458"},
                            token=self.t123).json()["options"]
        option = next(o for o in options if o["option_id"] == "cashback:acc-458")
        total, cashback = money(option["total"]), money(option["cashback"])
        self.assertGreater(cashback, 0)
        acc0, ret0 = posted(self.server, "acc-458"), posted(self.server, "acc-set-electro")
        r = self.buy(self.t123, "cb-1", "prd-earbuds", "acc-458", "cashback:acc-458", 1)
        self.assertEqual(r.status, 201, r)
        purchase_id = r.json()["purchase_id"]
        self.assertEqual(posted(self.server, "acc-458"), acc0 - total + cashback)
        self.assertEqual(posted(self.server, "acc-set-electro"), ret0 + total - cashback)
        self.assertEqual(total_money(self.server), money0)
        with db(self.server) as c:
            rows = c.execute("SELECT kind, direction, amount_minor FROM transactions "
                             "WHERE account_id = 'acc-458' AND description LIKE ? ORDER BY seq",
                             ("%" + purchase_id,)).fetchall()
        self.assertEqual(rows, [("purchase", "debit", total), ("cashback", "credit", cashback)])
        # A replay moves nothing again, cashback included.
        again = self.buy(self.t123, "cb-1", "prd-earbuds", "acc-458", "cashback:acc-458", 1)
        self.assertEqual((again.status, again.body), (r.status, r.body))
        self.assertEqual(posted(self.server, "acc-458"), acc0 - total + cashback)

    def test_unaffordable_purchase_compensates_and_restores_everything(self):
        money0 = total_money(self.server)
        stock0 = product(self.server, "prd-watch")
        acc0 = posted(self.server, "acc-999")
        r = self.buy(self.t999, "poor-1", "prd-watch", "acc-999", "full:acc-999")
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual((body["status"], body["reason"]), ("FAILED", "insufficient_funds"))
        types, correlations = events_of(self.server, body["purchase_id"])
        self.assertEqual(types, FAILURE)
        self.assertEqual(len(correlations), 1)
        self.assertEqual(product(self.server, "prd-watch"), stock0)
        self.assertEqual(posted(self.server, "acc-999"), acc0)
        self.assertEqual(total_money(self.server), money0)

    def test_out_of_stock_is_refused_before_anything_is_held(self):
        r = self.buy(self.t123, "oos-1", "prd-tv-55", "acc-456", "full:acc-456")
        self.assertProblem(r, 409, "out_of_stock")
        with db(self.server) as c:
            n = c.execute("SELECT COUNT(*) FROM purchases WHERE product_id = 'prd-tv-55'")
            self.assertEqual(n.fetchone()[0], 0)

    def test_unknown_option_is_refused(self):
        r = self.buy(self.t123, "opt-1", "prd-earbuds", "acc-456", "msi-18:acc-456")
        self.assertProblem(r, 422, "option_not_available", "option_id")

    def test_someone_elses_purchase_is_not_found(self):
        r = self.buy(self.t123, "own-1", "prd-coffee", "acc-456", "full:acc-456")
        pid = r.json()["purchase_id"]
        r = self.get(f"/v1/marketplace/purchases/{pid}", token=self.t456)
        self.assertProblem(r, 404, "purchase_not_found")
        history = self.get("/v1/marketplace/purchases", token=self.t123).json()
        self.assertIn(pid, [p["purchase_id"] for p in history["purchases"]])


class Faults(unittest.TestCase):
    def test_production_start_refuses_test_faults(self):
        # Without CENTLI_TEST_MODE, whatever the environment running the tests holds.
        env = {k: v for k, v in os.environ.items() if k != "CENTLI_TEST_MODE"}
        d = tempfile.mkdtemp(prefix="centli-test-")
        try:
            p = run_cli("serve", *store_args(d), "--listen", "127.0.0.1:0", "--test-faults",
                        "fail-payment", check=False, timeout=10, env=env)
        finally:
            remove_data(d)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--test-faults", p.stderr)
        self.assertIn("CENTLI_TEST_MODE", p.stderr)

    def test_crash_between_reserved_and_payment_converges_after_restart(self):
        s = Server(extra_args=["--test-faults", "crash-on:INVENTORY_RESERVED"], env=TEST_ENV)
        s.start()
        try:
            token = s.token(user="user-123")
            money0 = total_money(s)
            try:
                s.request("POST", "/v1/marketplace/purchase", body={
                    "product_id": "prd-blender", "quantity": 1, "account_id": "acc-456",
                    "option_id": "full:acc-456"}, token=token, headers={"Idempotency-Key": "c1"})
            except Exception:
                pass  # the server died mid-answer
            self.assertEqual(s.proc.wait(timeout=10), 137)
            s.proc = None
            s.log.close()
            s.extra_args = []
            s.start()
            with db(s) as c:
                pid = c.execute("SELECT purchase_id FROM purchases").fetchone()[0]
            body = wait_state(self, s, token, pid, ("CONFIRMED",))
            types, correlations = events_of(s, body["purchase_id"])
            self.assertEqual(types, SUCCESS)
            self.assertEqual(len(correlations), 1)
            self.assertEqual(total_money(s), money0)
            self.assertEqual(product(s, "prd-blender"), (29, 0))
        finally:
            s.stop()
            remove_data(s.data_dir)

    def test_expired_hold_is_voided_and_compensated(self):
        s = Server(extra_args=["--test-faults", "stall-payment", "--hold-timeout-ms", "300",
                               "--purchase-wait-ms", "0"], env=TEST_ENV)
        s.start()
        try:
            token = s.token(user="user-123")
            money0 = total_money(s)
            r = s.request("POST", "/v1/marketplace/purchase", body={
                "product_id": "prd-lamp", "quantity": 3, "account_id": "acc-456",
                "option_id": "full:acc-456"}, token=token, headers={"Idempotency-Key": "e1"})
            self.assertEqual(r.status, 202, r)
            pid = r.json()["purchase_id"]
            body = wait_state(self, s, token, pid, ("FAILED",))
            self.assertEqual(body["reason"], "hold_expired")
            types, _ = events_of(s, pid)
            self.assertEqual(types, ["PURCHASE_INITIATED", "INVENTORY_RESERVED",
                                     "COMPENSATION_REQUIRED", "INVENTORY_RELEASED",
                                     "USER_NOTIFIED"])
            with db(s) as c:
                self.assertEqual(c.execute("SELECT state FROM holds WHERE purchase_id = ?",
                                           (pid,)).fetchall(), [("voided",)])
            self.assertEqual(product(s, "prd-lamp"), (12, 0))
            self.assertEqual(total_money(s), money0)
        finally:
            s.stop()
            remove_data(s.data_dir)


if __name__ == "__main__":
    unittest.main()
