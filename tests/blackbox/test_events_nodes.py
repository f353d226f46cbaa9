"""Events with several nodes on one PostgreSQL database (docs/events.md, "Several nodes"): three
`centli serve` processes share the database and a webhook rule; transfers made through all of
them reach the receiver exactly once per event id and the internal test consumer applies each
once. A node killed (-9) while it holds claimed deliveries leaves them pending under its lease:
no node sends them before the lease ends, and another node delivers them after it. The receiver
runs in this process on 127.0.0.1; no wait is a sleep: each polls a condition."""

import json
import os
import tempfile
import threading
import time
import unittest

from harness import POSTGRES, PgDb, Server, remove_data, store_url
from webhooks import Receiver, wait_for

TRF = "/v1/core-banking/transfer"
LEASE_MS = 6000       # serve --test-delivery-lease-ms: long enough for two attempts of TIMEOUT_MS
TIMEOUT_MS = 2000     # the webhook's timeout: a node claims LEASE_MS / TIMEOUT_MS - 1 = 2 at once
SLOW_S = 1.0          # the receiver's delay while a node is killed: attempts are in flight
TRANSFERS_PER_NODE = 8
MARGIN_MS = 300       # before the lease ends, nothing leased may have arrived by then


@unittest.skipUnless(POSTGRES, "several nodes share one database only on PostgreSQL")
class EventsOnSeveralNodesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-events-nodes-")
        self.receiver = Receiver()
        rules = {"rules": [{"name": "all", "pattern": {"event_type": ["TRANSFER_COMPLETED"]},
                            "targets": [self.receiver.hook("/hook", timeout_ms=TIMEOUT_MS)]}]}
        self.rules = os.path.join(self.dir, "rules.json")
        with open(self.rules, "w") as f:
            json.dump(rules, f)
        # The harness gives each data directory its own database; every node here uses the
        # first node's.
        self.url = store_url(os.path.join(self.dir, "node0"))
        self.nodes = [self.node(i) for i in range(3)]
        self.n = 0

    def tearDown(self):
        for node in self.nodes:
            if node.proc is not None:
                node.stop()
        self.receiver.close()
        remove_data(self.dir)

    def node(self, i):
        directory = os.path.join(self.dir, f"node{i}")
        os.makedirs(directory, exist_ok=True)
        server = Server(data_dir=directory,
                        extra_args=["--rules", self.rules, "--backoff-base-ms", "50",
                                    "--backoff-cap-ms", "200", "--test-consumer",
                                    "--test-delivery-lease-ms", str(LEASE_MS)],
                        env={"CENTLI_TEST_MODE": "1"})
        server.store_args = lambda: ["--store", self.url]
        return server

    def query(self, sql, args=()):
        with PgDb(self.url) as db:
            return db.execute(sql, args).fetchall()

    def transfer(self, node, token, cid):
        r = node.request("POST", TRF, token=token,
                         body={"from_account": "acc-456", "to_account": "acc-789",
                               "amount": "1.00"},
                         headers={"Idempotency-Key": cid, "X-Correlation-Id": cid})
        self.assertEqual(r.status, 201, r)

    def posts_by_event(self):
        """Posts the receiver got, per event id."""
        counts = {}
        with self.receiver.lock:
            for path, _, body in self.receiver.posts:
                if path == "/hook":
                    event_id = json.loads(body)["event_id"]
                    counts[event_id] = counts.get(event_id, 0) + 1
        return counts

    def transfer_events(self):
        return [row[0] for row in self.query(
            "SELECT event_id FROM outbox WHERE event_type = 'TRANSFER_COMPLETED'")]

    def all_delivered(self):
        rows = self.query("SELECT status, count(*) FROM deliveries GROUP BY status")
        return rows and all(status == "delivered" for status, _ in rows)

    def assert_each_applied_once(self, events):
        counts = dict(self.query("SELECT key, value FROM meta WHERE key LIKE 'test_consumer:%'"))
        self.assertEqual(counts, {f"test_consumer:{e}": "1" for e in events})

    def test_transfers_through_three_nodes_reach_the_receiver_once_per_event(self):
        for node in self.nodes:  # one after the other: the first loads the demo bank
            node.start()
        token = self.nodes[0].token(user="user-123")

        def client(i):
            for k in range(TRANSFERS_PER_NODE):
                self.transfer(self.nodes[i], token, f"nodes-{i}-{k}-{time.time_ns()}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        events = self.transfer_events()
        self.assertEqual(len(events), 3 * TRANSFERS_PER_NODE)
        self.assertTrue(wait_for(lambda: set(self.posts_by_event()) >= set(events)
                                 and self.all_delivered()), self.posts_by_event())
        for node in self.nodes:
            self.assertEqual(node.stop(), 0, node.logs()[-2000:])
        self.assertEqual(self.posts_by_event(), {e: 1 for e in events})
        # One delivery per (event, target), each delivered at its first attempt; every event
        # routed; the internal consumer applied each once.
        self.assertEqual(self.query("SELECT target, status, attempts, count(*) FROM deliveries "
                                    "GROUP BY target, status, attempts ORDER BY target"),
                         [("all/0", "delivered", 1, len(events)),
                          ("consumer:test_consumer/0", "delivered", 1, len(events))])
        self.assertEqual(self.query("SELECT count(*) FROM outbox WHERE routed = 0"), [(0,)])
        self.assert_each_applied_once(events)

    def test_a_killed_nodes_claims_are_delivered_by_another_node_after_their_lease(self):
        one, two = self.nodes[0], self.nodes[1]
        one.start()
        token = one.token(user="user-123")
        self.receiver.delay["/hook"] = SLOW_S
        for k in range(4):
            self.transfer(one, token, f"killed-{k}-{time.time_ns()}")
        # Node one has an attempt in flight (the receiver holds its answer): its claim is open.
        self.assertTrue(wait_for(lambda: self.posts_by_event()))
        one.kill9()
        self.receiver.delay["/hook"] = 0
        now_ms = time.time() * 1000
        leased = self.query("SELECT event_id, next_ms FROM deliveries WHERE target = 'all/0' "
                            "AND status = 'pending' AND next_ms > ?", (int(now_ms),))
        self.assertTrue(leased, "node one held no claimed delivery when it was killed")
        lease_end_ms = min(next_ms for _, next_ms in leased)
        self.assertLessEqual(lease_end_ms, now_ms + LEASE_MS)
        before = self.posts_by_event()

        two.start()  # routes nothing new; claims only what is due
        while time.time() * 1000 < lease_end_ms - MARGIN_MS:
            now = self.posts_by_event()
            for event_id, _ in leased:
                self.assertEqual(now.get(event_id, 0), before.get(event_id, 0),
                                 f"{event_id} was sent again before its lease ended")
            time.sleep(0.05)
        events = self.transfer_events()
        self.assertTrue(wait_for(lambda: set(self.posts_by_event()) >= set(events)
                                 and self.all_delivered()), self.posts_by_event())
        after = self.posts_by_event()
        for event_id, _ in leased:
            self.assertEqual(after[event_id], before.get(event_id, 0) + 1, event_id)
        self.assertEqual(two.stop(), 0, two.logs()[-2000:])
        self.assert_each_applied_once(events)


if __name__ == "__main__":
    unittest.main()
