"""Shutdown: SIGTERM ends the server within its documented bound (limits::kShutdownMsMax,
docs/operations.md) even while a webhook target holds a delivery far longer; the abandoned
delivery stays pending and is made again after a restart (at least once, same event_id)."""

import json
import os
import tempfile
import time
import unittest

from harness import Server, remove_data
from webhooks import Receiver, wait_for

SHUTDOWN_S_MAX = 8.0  # limits::kShutdownMsMax
MARGIN_S = 2.0
SLOW_S = 30.0  # the receiver holds its answer this long: far past the bound


class ShutdownTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-shutdown-")
        self.receiver = Receiver()
        rules = {"rules": [{"name": "slow", "pattern": {"event_type": ["TRANSFER_COMPLETED"]},
                            "targets": [self.receiver.hook("/slow", timeout_ms=30000)]}]}
        rules_path = os.path.join(self.dir, "rules.json")
        with open(rules_path, "w") as f:
            json.dump(rules, f)
        os.makedirs(os.path.join(self.dir, "data"))
        self.server = Server(data_dir=os.path.join(self.dir, "data"),
                             extra_args=["--rules", rules_path])

    def tearDown(self):
        if self.server.proc is not None:
            self.server.stop()
        self.receiver.close()
        remove_data(self.dir)

    def delivery(self, event_id):
        with self.server.db() as db:
            return db.execute("SELECT status, attempts FROM deliveries WHERE event_id = ? "
                              "AND target = 'slow/0'", (event_id,)).fetchall()

    def posts_of(self, event_id):
        with self.receiver.lock:
            return [json.loads(b) for p, _, b in self.receiver.posts
                    if p == "/slow" and json.loads(b)["event_id"] == event_id]

    def test_sigterm_with_a_slow_webhook_in_flight_exits_0_in_time_and_delivers_after_restart(self):
        self.receiver.delay["/slow"] = SLOW_S
        self.server.start()
        token = self.server.token(user="user-123")
        r = self.server.request("POST", "/v1/core-banking/transfer", token=token,
                                body={"from_account": "acc-456", "to_account": "acc-789",
                                      "amount": "10.00"},
                                headers={"Idempotency-Key": "slow-1", "X-Correlation-Id": "slow-1"})
        self.assertEqual(r.status, 201, r)
        # The receiver has the request and holds its answer: the delivery is in flight.
        first = wait_for(lambda: self.receiver.for_event("/slow", "slow-1"))
        self.assertEqual(len(first), 1)
        event_id = json.loads(first[0][1])["event_id"]

        began = time.monotonic()
        rc = self.server.stop(timeout=SHUTDOWN_S_MAX + MARGIN_S)
        elapsed = time.monotonic() - began
        self.assertEqual(rc, 0, self.server.logs()[-2000:])
        self.assertLess(elapsed, SHUTDOWN_S_MAX + MARGIN_S)
        # Abandoned, not done: still pending, the attempt in flight not counted.
        self.assertEqual(self.delivery(event_id), [("pending", 0)])

        self.receiver.delay["/slow"] = 0
        self.server.start()
        second = wait_for(lambda: len(self.posts_of(event_id)) >= 2)
        self.assertTrue(second, "the event was not delivered after the restart")
        self.assertEqual(self.server.stop(), 0)
        self.assertEqual(self.delivery(event_id), [("delivered", 1)])
        self.assertEqual(len(self.posts_of(event_id)), 2)


if __name__ == "__main__":
    unittest.main()
