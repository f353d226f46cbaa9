"""Idempotency through the REST front door (DESIGN.md 4): replay, 422, 409, sticky refusals,
per-principal keys, request_id, and 50 identical requests in parallel giving one effect."""

import threading
import unittest

from harness import ServerTestCase, money

BAL = "/v1/core-banking/balance"
TRF = "/v1/core-banking/transfer"
TXN = "/v1/core-banking/transactions"


class IdempotencyTest(ServerTestCase):
    def posted(self, account, token):
        r = self.get(f"{BAL}?account_id={account}", token=token)
        return money(r.json()["accounts"][0]["posted"])

    def legs(self, transfer_id, token):
        h = self.get(f"{TXN}?limit=100", token=token).json()["transactions"]
        return [x for x in h if x["transfer_id"] == transfer_id]

    def test_replays_the_stored_response_byte_identical(self):
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "3.21"}
        first = self.post(TRF, body, token=self.t123, key="replay-1")
        self.assertEqual(first.status, 201, first)
        before = self.posted("acc-457", self.t123)
        again = self.post(TRF, body, token=self.t123, key="replay-1")
        self.assertEqual(again.status, 201)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.headers.get("idempotent-replayed"), "true")
        self.assertEqual(self.posted("acc-457", self.t123), before)
        self.assertEqual(len(self.legs(first.json()["transfer_id"], self.t123)), 2)

    def test_same_key_different_payload_is_422(self):
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "1"}
        self.assertEqual(self.post(TRF, body, token=self.t123, key="reuse-1").status, 201)
        r = self.post(TRF, {**body, "amount": "2"}, token=self.t123, key="reuse-1")
        self.assertProblem(r, 422, "idempotency_key_reused")

    def test_request_id_in_the_body_works_like_the_header(self):
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "1.11",
                "request_id": "rid-1"}
        first = self.post(TRF, body, token=self.t123)
        self.assertEqual(first.status, 201, first)
        again = self.post(TRF, body, token=self.t123)
        self.assertEqual(again.body, first.body)

    def test_a_refusal_is_sticky(self):
        t = self.server.token(user="user-999")
        body = {"from_account": "acc-999", "to_account": "acc-789", "amount": "150"}
        first = self.post(TRF, body, token=t, key="sticky-1")
        self.assertProblem(first, 422, "insufficient_funds")
        # Fund the account so that the same request would now succeed.
        t456 = self.server.token(user="user-456")
        fund = self.post(TRF, {"from_account": "acc-789", "to_account": "acc-999", "amount": "100"},
                         token=t456, key="fund-999")
        self.assertEqual(fund.status, 201, fund)
        again = self.post(TRF, body, token=t, key="sticky-1")
        self.assertEqual(again.status, 422)
        self.assertEqual(again.body, first.body)
        self.assertEqual(self.post(TRF, body, token=t, key="sticky-2").status, 201)

    def test_keys_are_per_principal(self):
        a = self.post(TRF, {"from_account": "acc-457", "to_account": "acc-456", "amount": "1"},
                      token=self.t123, key="shared")
        b = self.post(TRF, {"from_account": "acc-789", "to_account": "acc-456", "amount": "1"},
                      token=self.t456, key="shared")
        self.assertEqual(a.status, 201, a)
        self.assertEqual(b.status, 201, b)
        self.assertNotEqual(a.json()["transfer_id"], b.json()["transfer_id"])

    def test_bad_keys_are_400(self):
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "1"}
        self.assertProblem(self.post(TRF, body, token=self.t123, key="k" * 256), 400,
                           "invalid_request", field="Idempotency-Key")

    def test_fifty_identical_requests_in_parallel_give_one_effect(self):
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "7.77"}
        before = self.posted("acc-457", self.t123)
        results = []
        lock = threading.Lock()
        go = threading.Event()

        def one():
            go.wait()
            r = self.post(TRF, body, token=self.t123, key="parallel-50")
            with lock:
                results.append(r)

        threads = [threading.Thread(target=one) for _ in range(50)]
        for th in threads:
            th.start()
        go.set()
        for th in threads:
            th.join(30)
        self.assertEqual(len(results), 50)
        ok = [r for r in results if r.status == 201]
        busy = [r for r in results if r.status == 409]
        self.assertEqual(len(ok) + len(busy), 50, [r for r in results if r.status not in (201, 409)])
        self.assertGreaterEqual(len(ok), 1)
        for r in busy:
            self.assertEqual(r.json()["code"], "idempotency_key_in_use")
        self.assertEqual(len({r.body for r in ok}), 1)
        self.assertEqual(self.posted("acc-457", self.t123), before - 777)
        self.assertEqual(len(self.legs(ok[0].json()["transfer_id"], self.t123)), 2)
        after = self.post(TRF, body, token=self.t123, key="parallel-50")
        self.assertEqual(after.body, ok[0].body)


if __name__ == "__main__":
    unittest.main()
