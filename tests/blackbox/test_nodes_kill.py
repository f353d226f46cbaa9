"""Nodes dying under load (issue 11): three `centli serve` nodes on one PostgreSQL database,
CLIENTS clients spread over them moving money (own accounts, other customers', beneficiaries at
centli and at other banks) and buying from the demo catalog, while each node is killed with
`kill -9` and started again several times. A client whose connection fails, or who gets 503 (or
409 `idempotency_key_in_use`), sends the same request with the same Idempotency-Key to another
node until it gets a final answer. At the end money is exactly right: the total of every
account is unchanged, no debit account is negative, each balance is its opening plus its
history, every acknowledged transfer is in the history once with both entries and nothing else
moved money; every key answers as it first did, byte for byte, on any node; every purchase saga
is terminal with no hold left `held` and stock moved by exactly the confirmed purchases; and a
webhook rule matching every event received every event of the outbox. Every wait is bounded;
the receiver runs in this process on 127.0.0.1."""

import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
import unittest
import uuid

from harness import POSTGRES, PgDb, Server, money, remove_data, store_url
from webhooks import Receiver

TRF = "/v1/core-banking/transfer"
BUY = "/v1/marketplace/purchase"
BENEFITS = "/v1/marketplace/benefits"

NODES = 3
CLIENTS = 36             # at least 32 (issue 11), CLIENTS / NODES homed on each node
KILLS_PER_NODE = 3
KILL_GAP_S = (1.0, 2.5)  # load between one node's restart and the next kill
DOWN_S = (0.2, 1.2)      # how long a killed node stays down
TAIL_S = 2.0             # load after the last restart
REQUEST_TIMEOUT_S = 15   # one attempt; a node that is alive answers well within it
RETRY_FOR_S = 45         # how long a client resends one key before the test fails
RETRY_PAUSE_S = 0.05
RESEND_RATE = 0.1        # share of final answers a client sends again at once, to another node
RESEND_SAMPLE = 150      # answered keys sent again to another node after the run
LEASE_MS = 3000          # serve --test-delivery-lease-ms: a dead node's claims return this soon
HOOK_TIMEOUT_MS = 500    # a worker claims LEASE_MS / HOOK_TIMEOUT_MS - 1 = 5 deliveries at once
HOLD_TIMEOUT_MS = 4000   # serve --hold-timeout-ms: a stock hold a dead node left expires soon
SETTLE_S = 60            # longest wait for sagas and webhook deliveries after the load
PURCHASE_SHARE = 0.25

# The demo bank (docs/demo-data.md). Beneficiaries and the account each one is paid into.
BENEFICIARY_ACCOUNT = {"ben-123-mama": "acc-789", "ben-123-juan": "acc-clearing",
                       "ben-456-carlos": "acc-456"}
ALIAS_ACCOUNT = {"Papá": "acc-999"}
DEBIT_TYPES = ("checking", "savings")
# Cheap products with stock, so most purchases are affordable and some may sell out.
PRODUCTS = ("prd-coffee", "prd-rice", "prd-beans", "prd-tshirt", "prd-chocolate",
            "prd-avocado", "prd-towels", "prd-jeans", "prd-bus-gdl", "prd-earbuds")
# Who pays from which account, and where their transfers go: (from, target field, target).
TRANSFERS = {
    "user-123": [("acc-456", "to_account", "acc-457"), ("acc-457", "to_account", "acc-456"),
                 ("acc-456", "to_account", "acc-458"), ("acc-458", "to_account", "acc-457"),
                 ("acc-456", "to_account", "acc-789"), ("acc-457", "to_account", "acc-999"),
                 ("acc-456", "to_beneficiary_id", "ben-123-mama"),
                 ("acc-457", "to_beneficiary_id", "ben-123-juan"),
                 ("acc-456", "to_alias", "Papá")],
    "user-456": [("acc-789", "to_account", "acc-456"),
                 ("acc-789", "to_beneficiary_id", "ben-456-carlos"),
                 ("acc-789", "to_account", "acc-790")],  # frozen: 422 account_inactive
    "user-999": [("acc-999", "to_account", "acc-789")],  # little money: 422 insufficient_funds
}
PAYING = {"user-123": ("acc-456", "acc-458"), "user-456": ("acc-789",), "user-999": ("acc-999",)}
PEOPLE = ("user-123", "user-123", "user-123", "user-123", "user-456", "user-456", "user-999")

# Final answers a business rule may give; anything else (a 5xx above all) fails the test.
FINAL = {"transfer": {201, 422}, "purchase": {200, 201, 202, 409, 422}}
REFUSALS = {(422, "insufficient_funds"), (422, "account_inactive"),
            (422, "daily_limit_exceeded"), (422, "option_not_available"), (409, "out_of_stock")}


class Call:
    """One keyed request and every answer it got: the first final one, the failed attempts
    before it (lost connections, refused connections, 503, 409 in use), and any resends."""

    def __init__(self, kind, person, path, body, key, target_account=None):
        self.kind, self.person, self.path, self.body, self.key = kind, person, path, body, key
        self.target_account = target_account  # transfers: the account credited
        self.final = None        # (status, content type, body bytes, node index, replayed)
        self.replays = []        # later final answers: (status, content type, body, headers)
        self.failures = []       # (lost, refused, timeout, 503, 409 or 5xx; node index)

    def moved(self):
        return self.final is not None and self.final[0] in (200, 201, 202)


@unittest.skipUnless(POSTGRES, "several nodes share one database only on PostgreSQL")
class NodesKilledUnderLoadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-nodes-kill-")
        self.receiver = Receiver()
        rules = {"rules": [{"name": "every", "pattern": {"event_id": [{"exists": True}]},
                            "targets": [self.receiver.hook("/all", HOOK_TIMEOUT_MS)]}]}
        self.rules = os.path.join(self.dir, "rules.json")
        with open(self.rules, "w") as f:
            json.dump(rules, f)
        # The harness gives each data directory its own database; every node uses node0's.
        self.url = store_url(os.path.join(self.dir, "node0"))
        self.nodes = [self.node(i) for i in range(NODES)]
        self.lock = threading.Lock()
        self.calls = []
        self.errors = []         # failures in threads, reported by the test
        self.kills = 0
        self.received = {}       # event id -> posts, read from the receiver incrementally
        self.received_upto = 0

    def tearDown(self):
        for node in self.nodes:
            if node.proc is not None:
                node.stop(timeout=5)
        self.receiver.close()
        remove_data(self.dir)

    def node(self, i):
        directory = os.path.join(self.dir, f"node{i}")
        os.makedirs(directory, exist_ok=True)
        server = Server(data_dir=directory,
                        extra_args=["--rules", self.rules, "--backoff-base-ms", "50",
                                    "--backoff-cap-ms", "200",
                                    "--test-delivery-lease-ms", str(LEASE_MS),
                                    "--hold-timeout-ms", str(HOLD_TIMEOUT_MS)],
                        env={"CENTLI_TEST_MODE": "1"})
        server.store_args = lambda: ["--store", self.url]
        return server

    def query(self, sql, args=()):
        with PgDb(self.url) as db:
            return db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------ clients

    def attempt(self, i, call):
        """One attempt of `call` on node i: (status, content type, body, headers) of a final
        answer, or the name of the failure that calls for a resend."""
        node = self.nodes[i]
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request("POST", call.path, body=json.dumps(call.body).encode(),
                         headers={"Authorization": f"Bearer {self.tokens[call.person]}",
                                  "Content-Type": "application/json",
                                  "Idempotency-Key": call.key})
            r = conn.getresponse()
            answer = r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        except ConnectionRefusedError:
            return "refused"  # nothing was sent: the node is down
        except TimeoutError:
            return "timeout"  # a node that is up kept the answer past REQUEST_TIMEOUT_S
        except (OSError, http.client.HTTPException):
            return "lost"     # sent, and the answer never came: the node died with it
        finally:
            conn.close()
        status, headers, body = answer
        content_type = headers.get("content-type", "")
        code = None
        if content_type.startswith("application/problem+json"):
            code = json.loads(body).get("code")
        node.answers.append(("POST", call.path, status, content_type, code))
        if status == 503:
            if "retry-after" not in headers:
                self.errors.append(f"503 without Retry-After for {call.key}")
            return "503"
        if status == 409 and code == "idempotency_key_in_use":
            return "409"
        if status >= 500:  # a fault of centli (docs/api.md): resent, and the test fails
            self.errors.append(f"{status} for {call.key}: {body[:300]!r}")
            return str(status)
        return status, content_type, body, headers

    def send(self, call, first_node, resend=False):
        """Sends `call` until a final answer, moving to the next node after each failure;
        records it. Returns the node that answered, or None when RETRY_FOR_S passed."""
        i, deadline = first_node, time.time() + RETRY_FOR_S
        while True:
            got = self.attempt(i, call)
            if isinstance(got, tuple):
                status, content_type, body, headers = got
                with self.lock:
                    if call.final is None:
                        replayed = headers.get("idempotent-replayed") == "true"
                        call.final = (status, content_type, body, i, replayed)
                    else:
                        call.replays.append((status, content_type, body, headers))
                return i
            if not resend:
                call.failures.append((got, i))
            if time.time() > deadline:
                return None
            i = (i + 1) % NODES
            time.sleep(RETRY_PAUSE_S)

    def plan(self, rng, person, n):
        key = f"mnk-{n}-{uuid.uuid4().hex[:12]}"
        if person != "user-999" and rng.random() < PURCHASE_SHARE:
            account = rng.choice(PAYING[person])
            product = rng.choice(PRODUCTS)
            body = {"product_id": product, "quantity": 1, "account_id": account,
                    "option_id": self.options[(person, account, product)]}
            return Call("purchase", person, BUY, body, key)
        source, field, target = rng.choice(TRANSFERS[person])
        body = {"from_account": source, field: target,
                "amount": f"{rng.randint(1, 999) / 100:.2f}"}
        account = {"to_account": target}.get(field) or BENEFICIARY_ACCOUNT.get(target) or \
            ALIAS_ACCOUNT.get(target)
        return Call("transfer", person, TRF, body, key, account)

    def client(self, c, stop):
        rng = random.Random(c)
        person, home = PEOPLE[c % len(PEOPLE)], c % NODES
        n = 0
        try:
            while not stop.is_set():
                call = self.plan(rng, person, f"{c}-{n}")
                n += 1
                with self.lock:
                    self.calls.append(call)
                answered = self.send(call, home)
                if answered is None:
                    return  # unanswered: the checks name it
                if rng.random() < RESEND_RATE and \
                        self.send(call, (answered + 1) % NODES, resend=True) is None:
                    self.errors.append(f"no answer to the resend of {call.key}")
                    return
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(f"client {c}: {e!r}")

    def killer(self, rng):
        try:
            for k in range(NODES * KILLS_PER_NODE):
                time.sleep(rng.uniform(*KILL_GAP_S))
                node = self.nodes[k % NODES]
                node.kill9()
                self.kills += 1
                time.sleep(rng.uniform(*DOWN_S))
                node.start()
            time.sleep(TAIL_S)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(f"killer: {e!r}")

    # ------------------------------------------------------------------ state

    def accounts(self):
        return {a: (t, p, h) for a, t, p, h in self.query(
            "SELECT account_id, type, posted_minor, held_minor FROM accounts")}

    def receive(self):
        """Event ids the receiver got so far, counted once per post."""
        with self.receiver.lock:
            posts = self.receiver.posts[self.received_upto:]
            self.received_upto += len(posts)
        for path, _, body in posts:
            event_id = json.loads(body)["event_id"]
            self.received[event_id] = self.received.get(event_id, 0) + 1
        return self.received

    def wait(self, what, predicate, seconds=SETTLE_S):
        deadline = time.time() + seconds
        while not (value := predicate()):
            if time.time() > deadline:
                self.fail(f"{what} not within {seconds} s")
            time.sleep(0.25)
        return value

    # ------------------------------------------------------------------ the test

    def test_money_stays_exact_while_nodes_are_killed_under_load(self):
        for node in self.nodes:  # one after the other: the first loads the demo bank
            node.start()
        self.tokens = {p: self.nodes[0].token(user=p) for p in set(PEOPLE)}
        self.options = self.purchase_options()
        opening = self.accounts()
        stock0 = dict(self.query("SELECT product_id, stock FROM products"))

        stop = threading.Event()
        clients = [threading.Thread(target=self.client, args=(c, stop)) for c in range(CLIENTS)]
        for t in clients:
            t.start()
        killer = threading.Thread(target=self.killer, args=(random.Random(11),))
        killer.start()
        killer.join(NODES * KILLS_PER_NODE * (KILL_GAP_S[1] + DOWN_S[1] + 15) + TAIL_S)
        stop.set()
        for t in clients:
            t.join(RETRY_FOR_S + 2 * REQUEST_TIMEOUT_S)
        self.assertFalse(killer.is_alive() or any(t.is_alive() for t in clients),
                         "a thread did not end")
        self.assertEqual(self.errors, [])
        self.assertEqual(self.kills, NODES * KILLS_PER_NODE)

        unanswered = [c.key for c in self.calls if c.final is None]
        self.assertEqual(unanswered, [], "keys without a final answer")
        self.assert_final_answers_are_business_answers()
        self.wait("every purchase saga terminal", lambda: self.query(
            "SELECT count(*) FROM purchases WHERE status NOT IN ('CONFIRMED', 'FAILED')") == [(0,)])
        self.resend_answered_keys(random.Random(5))
        self.assert_replays_are_the_first_answer()
        self.wait("every delivery delivered", lambda: self.query(
            "SELECT count(*) FROM deliveries WHERE status <> 'delivered'") == [(0,)])
        outbox = {e for (e,) in self.query("SELECT event_id FROM outbox")}
        self.wait("every event at the receiver", lambda: outbox <= set(self.receive()))
        for node in self.nodes:
            self.assertEqual(node.stop(), 0, node.logs()[-2000:])

        self.assert_money_exact(opening)
        self.assert_transfers_once()
        self.assert_purchases_terminal(stock0)
        self.assertEqual(self.query("SELECT count(*) FROM outbox WHERE routed = 0"), [(0,)])
        self.assertLessEqual(set(self.receive()), outbox, "an event the outbox never had")
        self.assert_faults_exercised()

    def purchase_options(self):
        """(person, account, product) -> an option the server offers for it (the first,
        the best, for odd products; another for even ones, so cashback and points occur)."""
        options = {}
        for person, accounts in PAYING.items():
            for account in accounts:
                for k, product in enumerate(PRODUCTS):
                    r = self.nodes[0].request("POST", BENEFITS, token=self.tokens[person],
                                              body={"product_id": product, "quantity": 1,
                                                    "account_id": account})
                    self.assertEqual(r.status, 200, r)
                    offered = [o["option_id"] for o in r.json()["options"]]
                    options[(person, account, product)] = offered[k % len(offered)]
        return options

    def resend_answered_keys(self, rng):
        """Sends a sample of answered keys again, each to a node other than the one that gave
        its first final answer; the sample holds every key whose first attempt failed."""
        failed = [c for c in self.calls if c.failures]
        rest = [c for c in self.calls if not c.failures]
        sample = failed + rng.sample(rest, min(RESEND_SAMPLE, len(rest)))
        for call in sample:
            self.assertIsNotNone(self.send(call, (call.final[3] + 1) % NODES, resend=True),
                                 call.key)
        self.resent = len(sample)

    # ------------------------------------------------------------------ checks

    def assert_final_answers_are_business_answers(self):
        wrong = [(c.key, c.final[0], c.final[2][:200]) for c in self.calls
                 if c.final[0] not in FINAL[c.kind]]
        self.assertEqual(wrong, [], "final answers no business rule gives")
        refusals = {(c.final[0], json.loads(c.final[2]).get("code")) for c in self.calls
                    if c.final[0] in (409, 422)}
        self.assertLessEqual(refusals, REFUSALS)

    def assert_replays_are_the_first_answer(self):
        replays = 0
        for call in self.calls:
            status, content_type, body = call.final[:3]
            for again in call.replays:
                replays += 1
                self.assertEqual(again[:3], (status, content_type, body), call.key)
                self.assertEqual(again[3].get("idempotent-replayed"), "true", call.key)
        self.replays = replays

    def assert_money_exact(self, opening):
        now = self.accounts()
        self.assertEqual(set(now), set(opening))
        self.assertEqual(sum(p for _, p, _ in now.values()),
                         sum(p for _, p, _ in opening.values()), "money made or lost")
        self.assertEqual({a: h for a, (_, _, h) in now.items() if h}, {}, "funds left held")
        negative = {a: p for a, (t, p, _) in now.items() if t in DEBIT_TYPES and p < 0}
        self.assertEqual(negative, {}, "a debit account below zero")
        net = dict(self.query(
            "SELECT account_id, sum(CASE direction WHEN 'credit' THEN amount_minor "
            "ELSE -amount_minor END) FROM transactions GROUP BY account_id"))
        for account, (_, posted, _) in now.items():
            self.assertEqual(posted, opening[account][1] + int(net.get(account, 0)), account)

    def assert_transfers_once(self):
        """Every acknowledged transfer has exactly its two entries; no other transfer moved
        money, so a key whose answer was lost took effect once (or not at all, if refused)."""
        entries = {}
        for transfer_id, account, direction, amount in self.query(
                "SELECT transfer_id, account_id, direction, amount_minor FROM transactions "
                "WHERE kind IN ('transfer', 'external_transfer')"):
            entries.setdefault(transfer_id, []).append((account, direction, amount))
        acknowledged = {}
        for call in self.calls:
            if call.kind == "transfer" and call.final[0] == 201:
                answer = json.loads(call.final[2])
                amount = money(call.body["amount"])
                acknowledged[answer["transfer_id"]] = sorted(
                    [(call.body["from_account"], "debit", amount),
                     (call.target_account, "credit", amount)])
        self.assertEqual(set(entries), set(acknowledged), "transfers not acknowledged once")
        for transfer_id, expected in acknowledged.items():
            self.assertEqual(sorted(entries[transfer_id]), expected, transfer_id)
        self.transfers = len(acknowledged)

    def assert_purchases_terminal(self, stock0):
        rows = {p: (s, q, prod) for p, s, q, prod in self.query(
            "SELECT purchase_id, status, quantity, product_id FROM purchases")}
        answered = {}
        for call in self.calls:
            if call.kind == "purchase" and call.moved():
                answered[json.loads(call.final[2])["purchase_id"]] = call.final[0]
        self.assertEqual(set(rows), set(answered), "purchases not written once per key")
        for purchase_id, status in answered.items():
            expected = {201: ("CONFIRMED",), 200: ("FAILED",), 202: ("CONFIRMED", "FAILED")}
            self.assertIn(rows[purchase_id][0], expected[status], purchase_id)
        self.assertEqual(self.query("SELECT count(*) FROM holds WHERE state = 'held'"), [(0,)])
        paid = dict(self.query("SELECT description, count(*) FROM transactions "
                               "WHERE kind = 'purchase' AND direction = 'debit' "
                               "GROUP BY description"))
        sold = {}
        for purchase_id, (status, quantity, product) in rows.items():
            charged = sum(int(n) for d, n in paid.items() if d.endswith(purchase_id))
            self.assertEqual(charged, 1 if status == "CONFIRMED" else 0, purchase_id)
            if status == "CONFIRMED":
                sold[product] = sold.get(product, 0) + quantity
        stock = {p: (s, h) for p, s, h in self.query(
            "SELECT product_id, stock, held_stock FROM products")}
        for product, (left, held) in stock.items():
            self.assertEqual((left, held), (stock0[product] - sold.get(product, 0), 0), product)
        self.purchases = {s: sum(1 for r in rows.values() if r[0] == s)
                          for s in ("CONFIRMED", "FAILED")}

    def assert_faults_exercised(self):
        """The run met the faults it is about, so it can never pass by having none."""
        failures = [f for c in self.calls for f, _ in c.failures]
        # Keys whose answer a dying node took with it, answered in the end by another node.
        lost = [c for c in self.calls
                if any(f == "lost" and i != c.final[3] for f, i in c.failures)]
        moved_on = [c for c in self.calls if c.failures and c.failures[-1][1] != c.final[3]]
        figures = {"calls": len(self.calls), "transfers": self.transfers,
                   "purchases": self.purchases, "kills": self.kills,
                   "retried keys": sum(1 for c in self.calls if c.failures),
                   "failures": {f: failures.count(f) for f in sorted(set(failures))},
                   "answered on another node": len(moved_on),
                   "lost then answered elsewhere": len(lost),
                   "of which replayed": sum(1 for c in lost if c.final[4]),
                   "resent": self.resent, "replays compared": self.replays,
                   "events": len(self.received),
                   "event posts": sum(self.received.values())}
        print(f"\n{type(self).__name__}: {figures}", file=sys.stderr)
        self.assertGreaterEqual(self.transfers, 100, figures)
        self.assertGreaterEqual(self.purchases["CONFIRMED"], 10, figures)
        self.assertGreaterEqual(len(lost), 1, figures)
        # At least one of them had taken effect before its node died: its resend got the
        # stored answer, and the checks above found its effect exactly once.
        self.assertGreaterEqual(sum(1 for c in lost if c.final[4]), 1, figures)
        self.assertGreaterEqual(self.replays, RESEND_SAMPLE, figures)


if __name__ == "__main__":
    unittest.main()
