"""Black-box tests of the crm group (issue 3): beneficiaries, alias resolution, and transfers to
a beneficiary or an exact alias, including CLABE beneficiaries paid through the clearing account.
Balances of other people's and the bank's accounts are read from the server's database
(read-only, harness.open_db), since no person's token can see them."""

import re
import unittest
import uuid

from harness import ServerTestCase, money

BENEFICIARIES = "/v1/crm/beneficiaries"
RESOLVE = "/v1/crm/resolve-alias"
TRANSFER = "/v1/core-banking/transfer"
# 18 digits standing alone: a CLABE, not a run of digits inside a hex id.
FULL_CLABE = re.compile(r"(?<![0-9A-Za-z])\d{18}(?![0-9A-Za-z])")


def clabe(first17):
    weights = (3, 7, 1)
    total = sum((int(d) * weights[i % 3]) % 10 for i, d in enumerate(first17))
    return first17 + str((10 - total % 10) % 10)


def quote(text):
    from urllib.parse import quote as q
    return q(text, safe="")


class CrmTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.read_only = cls.server.token(user="user-123", scopes=["crm:read"])

    # -- helpers

    def db(self):
        c = self.server.db()
        self.addCleanup(c.close)
        return c

    def posted(self, account_id):
        row = self.db().execute("SELECT posted_minor FROM accounts WHERE account_id = ?",
                                (account_id,)).fetchone()
        return row[0]

    def total_posted(self):
        return self.db().execute("SELECT SUM(posted_minor) FROM accounts").fetchone()[0]

    def resolve(self, alias, token=None, **kw):
        return self.get(f"{RESOLVE}?alias={quote(alias)}", token=token or self.t123, **kw)

    def transfer(self, body, token=None):
        base = {"from_account": "acc-456", "amount": "10.00"}
        base.update(body)
        return self.post(TRANSFER, base, token=token or self.t123, key=str(uuid.uuid4()))

    def add(self, body, token=None, key=None):
        return self.post(BENEFICIARIES, body, token=token or self.t123, key=key)

    # -- resolve_alias

    def test_resolve_exact_alias_ignores_accents_case_and_spaces(self):
        for spoken in ("Mamá", "mama", " MAMA "):
            r = self.resolve(spoken)
            self.assertEqual(r.status, 200, r)
            j = r.json()
            self.assertEqual((j["status"], j["match"]), ("RESOLVED", "exact"), j)
            self.assertEqual(j["confidence"], 1)
            self.assertEqual(j["beneficiary"]["beneficiary_id"], "ben-123-mama")
            self.assertEqual(j["beneficiary"]["destination"]["last4"], "0789")
            self.assertIn("Mamá", j["summary"])

    def test_resolve_affectionate_form_is_fuzzy_with_confidence(self):
        j = self.resolve("mami").json()
        self.assertEqual((j["status"], j["match"]), ("RESOLVED", "fuzzy"), j)
        self.assertEqual(j["beneficiary"]["beneficiary_id"], "ben-123-mama")
        self.assertTrue(0.8 <= j["confidence"] < 1, j)
        self.assertIn("confírmalo", j["summary"])

    def test_resolve_two_juans_is_ambiguous_with_ranked_candidates(self):
        j = self.resolve("juanito").json()
        self.assertEqual(j["status"], "AMBIGUOUS", j)
        ids = [c["beneficiary_id"] for c in j["candidates"]]
        self.assertEqual(ids, ["ben-123-juan", "ben-123-juanca"])
        self.assertLessEqual(len(j["candidates"]), 5)
        scores = [c["score"] for c in j["candidates"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        for c in j["candidates"]:
            for k in ("alias", "name", "destination", "score"):
                self.assertIn(k, c)
        self.assertTrue(j["summary"].startswith("¿A quién te refieres"), j["summary"])
        self.assertIn("Juanca", j["summary"])

    def test_resolve_nothing_close_is_not_found_with_suggestions(self):
        j = self.resolve("netflix", headers={"Accept-Language": "en-US"}).json()
        self.assertEqual(j["status"], "NOT_FOUND", j)
        self.assertIn("suggestions", j)
        self.assertLessEqual(len(j["suggestions"]), 3)
        self.assertTrue(j["summary"].startswith("No beneficiary matches"), j["summary"])

    def test_resolve_answers_in_english_when_asked(self):
        j = self.resolve("juanito", headers={"Accept-Language": "en-US"}).json()
        self.assertTrue(j["summary"].startswith("Who do you mean"), j["summary"])

    def test_resolve_refuses_missing_and_oversize_alias(self):
        self.assertProblem(self.get(RESOLVE, token=self.t123), 400, "invalid_request", "alias")
        self.assertProblem(self.resolve("a" * 101), 400, "invalid_request", "alias")

    def test_resolve_sees_only_the_callers_book(self):
        j = self.resolve("mamá", token=self.t456).json()
        self.assertEqual(j["status"], "NOT_FOUND", j)
        self.assertNotIn("ben-123", str(j))

    def test_routes_need_their_scopes(self):
        self.assertProblem(self.add({"alias": "X", "name": "X", "account_id": "acc-999"},
                                    token=self.read_only), 403, "forbidden")
        self.assertEqual(self.resolve("mamá", token=self.read_only).status, 200)
        self.assertEqual(self.get(BENEFICIARIES).status, 401)

    # -- get_beneficiaries

    def test_list_is_sorted_by_alias_and_masked(self):
        r = self.get(f"{BENEFICIARIES}?limit=100", token=self.t123)
        self.assertEqual(r.status, 200, r)
        items = r.json()["beneficiaries"]
        ids = {b["beneficiary_id"] for b in items}
        self.assertTrue({"ben-123-mama", "ben-123-juan", "ben-123-chela"} <= ids)
        self.assertNotIn("ben-456-carlos", ids)
        keys = [b["alias"].lower().replace("í", "i").replace("á", "a") for b in items]
        self.assertEqual(keys, sorted(keys))
        self.assertIsNone(FULL_CLABE.search(r.body.decode()), "a full CLABE was shown")
        juan = next(b for b in items if b["beneficiary_id"] == "ben-123-juan")
        self.assertEqual(juan["destination"]["type"], "clabe")
        self.assertEqual(juan["destination"]["bank_name"], "BBVA MEXICO")
        self.assertTrue(juan["destination"]["masked"].startswith("*" * 14))

    def test_list_pages_with_an_opaque_cursor(self):
        everything = [b["beneficiary_id"] for b in
                      self.get(f"{BENEFICIARIES}?limit=100", token=self.t123).json()["beneficiaries"]]
        seen, cursor, pages = [], None, 0
        while True:
            path = f"{BENEFICIARIES}?limit=3" + (f"&cursor={quote(cursor)}" if cursor else "")
            j = self.get(path, token=self.t123).json()
            self.assertLessEqual(len(j["beneficiaries"]), 3)
            seen += [b["beneficiary_id"] for b in j["beneficiaries"]]
            cursor = j["next_cursor"]
            pages += 1
            if cursor is None or pages > 100:
                break
        self.assertEqual(seen, everything)
        self.assertGreater(pages, 2)

    def test_list_refuses_a_forged_cursor_and_bad_limit(self):
        self.assertProblem(self.get(f"{BENEFICIARIES}?cursor=h1.abc", token=self.t123), 400,
                           "invalid_request", "cursor")
        self.assertProblem(self.get(f"{BENEFICIARIES}?limit=0", token=self.t123), 400,
                           "invalid_request", "limit")

    # -- add_beneficiary

    def test_add_with_clabe_shows_bank_and_last_four_only(self):
        number = clabe("01218000111122223")
        r = self.add({"alias": "Tío Beto", "name": "Roberto Salas", "clabe": number})
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertEqual(j["destination"]["bank_name"], "BBVA MEXICO")
        self.assertEqual(j["destination"]["last4"], number[-4:])
        self.assertNotIn(number, r.body.decode())
        self.assertTrue(j["beneficiary_id"].startswith("ben-"))

    def test_add_writes_the_event_without_the_full_clabe(self):
        number = clabe("07218000333344445")
        j = self.add({"alias": "Contador", "name": "Luis Ramos", "clabe": number}).json()
        rows = [r for r in self.db().execute("SELECT * FROM outbox").fetchall()
                if j["beneficiary_id"] in " ".join(map(str, r))]
        self.assertEqual(len(rows), 1, "one BENEFICIARY_ADDED event")
        text = " ".join(map(str, rows[0]))
        self.assertIn("BENEFICIARY_ADDED", text)
        self.assertNotIn(number, text)

    def test_add_refuses_duplicate_normalized_alias_with_the_existing_id(self):
        for alias in ("mama", " MAMÁ ", "Mamá"):
            p = self.assertProblem(self.add({"alias": alias, "name": "Otra", "account_id": "acc-999"}),
                                   409, "beneficiary_duplicate")
            self.assertEqual(p["beneficiary_id"], "ben-123-mama")

    def test_add_refuses_invalid_clabes_naming_the_field(self):
        good = clabe("01218000111122224")
        bad_digit = good[:-1] + str((int(good[-1]) + 1) % 10)
        unknown_bank = clabe("99918000111122224")
        for number in (bad_digit, unknown_bank, good[:-1], good + "1", "01218000111122a24x"):
            self.assertProblem(self.add({"alias": "Nadie", "name": "Nadie", "clabe": number}),
                               400, "invalid_clabe", "clabe")

    def test_add_refuses_bad_destinations(self):
        cases = [
            ({"alias": "A1", "name": "A"}, 400, "invalid_request", "account_id"),
            ({"alias": "A2", "name": "A", "account_id": "acc-999", "clabe": clabe("01218000111122225")}, 400, "invalid_request", "clabe"),
            ({"alias": "A3", "name": "A", "account_id": "acc-457"}, 400, "invalid_request",
             "account_id"),  # the person's own account
            ({"alias": "A4", "name": "A", "account_id": "acc-clearing"}, 404, "account_not_found",
             "account_id"),
            ({"alias": "A5", "name": "A", "account_id": "acc-nope"}, 404, "account_not_found",
             "account_id"),
            ({"alias": "Mamá!", "name": "A", "account_id": "acc-999"}, 400, "invalid_request",
             "alias"),
            ({"alias": "x" * 41, "name": "A", "account_id": "acc-999"}, 400, "invalid_request",
             "alias"),
            ({"alias": "A6", "name": "", "account_id": "acc-999"}, 400, "invalid_request", "name"),
            ({"alias": "A7", "name": "A", "account_id": "acc-999", "iban": "x"}, 400,
             "invalid_request", "iban"),
        ]
        for body, status, code, field in cases:
            with self.subTest(body=body):
                self.assertProblem(self.add(body), status, code, field)

    def test_add_with_the_same_key_adds_once(self):
        key = str(uuid.uuid4())
        body = {"alias": "Vecina", "name": "Carmen Ortiz", "account_id": "acc-999"}
        first = self.add(body, key=key)
        again = self.add(body, key=key)
        self.assertEqual(first.status, 201, first)
        self.assertEqual((again.status, again.body), (first.status, first.body))

    # -- transfers

    def test_transfer_needs_exactly_one_target(self):
        self.assertProblem(self.transfer({}), 400, "invalid_request", "to_account")
        p = self.assertProblem(self.transfer({"to_account": "acc-789", "to_alias": "mamá"}), 400,
                               "invalid_request")
        for name in ("to_account", "to_beneficiary_id", "to_alias"):
            self.assertIn(name, p["detail"])

    def test_transfer_by_beneficiary_id_moves_money(self):
        src, dst = self.posted("acc-456"), self.posted("acc-789")
        r = self.transfer({"to_beneficiary_id": "ben-123-mama", "amount": "12.34"})
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertEqual(j["to_account"], "acc-789")
        self.assertEqual(j["to_beneficiary"]["beneficiary_id"], "ben-123-mama")
        self.assertEqual(self.posted("acc-456"), src - 1234)
        self.assertEqual(self.posted("acc-789"), dst + 1234)

    def test_transfer_by_exact_alias_moves_money(self):
        src, dst = self.posted("acc-456"), self.posted("acc-789")
        r = self.transfer({"to_alias": "MAMA", "amount": "5.00"})
        self.assertEqual(r.status, 201, r)
        self.assertIn("Mamá", r.json()["summary"])
        self.assertEqual(self.posted("acc-456"), src - 500)
        self.assertEqual(self.posted("acc-789"), dst + 500)

    def test_transfer_refuses_inexact_aliases_and_moves_nothing(self):
        cases = [("mami", 409, "alias_not_exact", ["ben-123-mama"]),
                 ("juanito", 409, "alias_ambiguous", ["ben-123-juan", "ben-123-juanca"]),
                 ("netflix", 404, "alias_not_found", None)]
        for spoken, status, code, ids in cases:
            with self.subTest(spoken=spoken):
                total, src = self.total_posted(), self.posted("acc-456")
                p = self.assertProblem(self.transfer({"to_alias": spoken}), status, code,
                                       "to_alias")
                self.assertIn("candidates", p)
                self.assertIn("summary", p)
                if ids is not None:
                    self.assertEqual([c["beneficiary_id"] for c in p["candidates"]], ids)
                self.assertEqual(self.posted("acc-456"), src)
                self.assertEqual(self.total_posted(), total)

    def test_another_persons_beneficiary_answers_like_a_missing_one(self):
        theirs = self.transfer({"to_beneficiary_id": "ben-456-carlos"})
        missing = self.transfer({"to_beneficiary_id": "ben-does-not-exist"})
        a = self.assertProblem(theirs, 404, "beneficiary_not_found", "to_beneficiary_id")
        b = self.assertProblem(missing, 404, "beneficiary_not_found", "to_beneficiary_id")
        for k in ("type", "title", "status", "code", "detail", "field"):
            self.assertEqual(a[k], b[k])
        self.assertEqual(sorted(a), sorted(b))
        # And the owner can use it.
        r = self.transfer({"from_account": "acc-789", "to_beneficiary_id": "ben-456-carlos"},
                          token=self.t456)
        self.assertEqual(r.status, 201, r)

    def test_clabe_beneficiary_is_paid_through_clearing_with_money_conserved(self):
        total = self.total_posted()
        src, clearing = self.posted("acc-456"), self.posted("acc-clearing")
        r = self.transfer({"to_beneficiary_id": "ben-123-lupita", "amount": "250.50"})
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertEqual(j["type"], "external_transfer")
        self.assertIn("AZTECA", j["summary"])
        self.assertIsNone(FULL_CLABE.search(r.body.decode()))
        self.assertEqual(self.posted("acc-456"), src - 25050)
        self.assertEqual(self.posted("acc-clearing"), clearing + 25050)
        self.assertEqual(self.total_posted(), total)
        entries = self.db().execute(
            "SELECT account_id, direction, kind, amount_minor FROM transactions "
            "WHERE transfer_id = ? ORDER BY direction", (j["transfer_id"],)).fetchall()
        self.assertEqual(entries, [("acc-clearing", "credit", "external_transfer", 25050),
                                   ("acc-456", "debit", "external_transfer", 25050)])
        text = " ".join(" ".join(map(str, row)) for row in self.db().execute(
            "SELECT * FROM outbox").fetchall() if j["transfer_id"] in " ".join(map(str, row)))
        self.assertIn("TRANSFER_COMPLETED", text)
        self.assertIn("AZTECA", text)
        self.assertIsNone(FULL_CLABE.search(text))

    def test_clabe_transfer_counts_toward_the_daily_limit(self):
        used = self.db().execute("SELECT COALESCE(SUM(amount_minor), 0) FROM daily_outflow "
                                 "WHERE user_id = 'user-123'").fetchone()[0]
        r = self.transfer({"to_alias": "casero", "amount": "1.00"})
        self.assertEqual(r.status, 201, r)
        after = self.db().execute("SELECT COALESCE(SUM(amount_minor), 0) FROM daily_outflow "
                                  "WHERE user_id = 'user-123'").fetchone()[0]
        self.assertEqual(after, used + 100)

    # -- the bound

    def test_two_hundred_beneficiaries_then_a_clear_refusal(self):
        token = self.server.token(user="user-bound")
        conn = self.server.connection()
        self.addCleanup(conn.close)
        for i in range(200):
            r = self.server.request("POST", BENEFICIARIES, token=token, conn=conn, body={
                "alias": f"Persona {i}", "name": f"Persona {i}",
                "clabe": clabe(f"0121800{i:010d}")})
            self.assertEqual(r.status, 201, (i, r))
        r = self.server.request("POST", BENEFICIARIES, token=token, conn=conn, body={
            "alias": "Una más", "name": "Una más", "clabe": clabe("01218009999999999")})
        self.assertProblem(r, 409, "beneficiary_limit")
        # A duplicate alias is still named as a duplicate.
        r = self.server.request("POST", BENEFICIARIES, token=token, conn=conn, body={
            "alias": "persona 7", "name": "X", "clabe": clabe("01218009999999998")})
        self.assertProblem(r, 409, "beneficiary_duplicate")
        j = self.server.request("GET", f"{BENEFICIARIES}?limit=100", token=token).json()
        self.assertIn("200", j["summary"])
        # Resolution still answers over a full book.
        j = self.server.request("GET", f"{RESOLVE}?alias={quote('persona 42')}", token=token).json()
        self.assertEqual((j["status"], j["match"]), ("RESOLVED", "exact"), j)


if __name__ == "__main__":
    unittest.main()
