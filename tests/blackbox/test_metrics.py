"""GET /metrics (issue 14, metrics): the Prometheus text format as `promtool check metrics` reads
it, counters that move by exactly what was done, and no person, account or token in any label."""

import re
import shutil
import subprocess
import unittest

from harness import ServerTestCase

TRF = "/v1/core-banking/transfer"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def samples(text):
    """{(name, labels text): value} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def action_count(text, action, outcome, door="http"):
    key = ("centli_actions_total", f'{{action="{action}",door="{door}",outcome="{outcome}"}}')
    return samples(text).get(key, 0.0)


class MetricsTest(ServerTestCase):
    def scrape(self):
        r = self.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("text/plain; version=0.0.4"), r.headers)
        return r.body.decode()

    def test_promtool_accepts_a_scrape_after_traffic(self):
        # scripts/install-deps --test installs it (Debian's prometheus).
        self.assertIsNotNone(shutil.which("promtool"), "promtool is not installed")
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "1.00"}
        self.assertEqual(self.post(TRF, body, token=self.t123, key="m-promtool").status, 201)
        text = self.scrape()
        p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout + p.stderr, "")

    def test_a_transfer_moves_its_counters_by_one(self):
        before = self.scrape()
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "2.00"}
        self.assertEqual(self.post(TRF, body, token=self.t123, key="m-one").status, 201)
        # A replay and a refusal are outcomes of their own.
        self.assertEqual(self.post(TRF, body, token=self.t123, key="m-one").status, 201)
        big = dict(body, amount="999999999.00")
        refused = self.post(TRF, big, token=self.t123, key="m-big")
        self.assertEqual(refused.status, 422, refused)
        after = self.scrape()
        for outcome in ("ok", "replayed", refused.json()["code"]):
            with self.subTest(outcome=outcome):
                self.assertEqual(action_count(after, "transfer", outcome)
                                 - action_count(before, "transfer", outcome), 1)
        s_before, s_after = samples(before), samples(after)
        hist = ("centli_action_duration_seconds_count", '{action="transfer",door="http"}')
        self.assertEqual(s_after[hist] - s_before.get(hist, 0), 3)
        # Two commands reached the writer (the replay is answered from the key record inside a
        # batch too, so at least two batches committed).
        batches = ("centli_store_batches_total", '{committed="true"}')
        self.assertGreaterEqual(s_after[batches] - s_before[batches], 2)
        self.assertEqual(s_after[("centli_store_batches_total", '{committed="false"}')], 0)
        self.assertGreater(s_after[("process_resident_memory_bytes", "")], 0)
        self.assertGreater(s_after[("process_start_time_seconds", "")], 1.7e9)

    def test_no_label_names_a_person_an_account_or_a_token(self):
        body = {"from_account": "acc-457", "to_account": "acc-456", "amount": "0.50"}
        self.assertEqual(self.post(TRF, body, token=self.t123, key="m-labels").status, 201)
        text = self.scrape()
        for secret in ("user-123", "acc-457", "acc-456", "m-labels", self.t123):
            self.assertNotIn(secret, text)

    def test_only_get_and_head(self):
        r = self.post("/metrics", {}, token=self.t123)
        self.assertEqual(r.status, 405, r)
        self.assertEqual(r.headers.get("allow"), "GET, HEAD")


if __name__ == "__main__":
    unittest.main()
