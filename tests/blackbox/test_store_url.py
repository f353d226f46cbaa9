"""Opening a store by URL (--store, issue 11): what is not a PostgreSQL URL is a usage error
(exit 2); an unreachable server, a wrong password, a missing database or a schema newer than
this centli is one clear line on stderr and exit 3, never a crash, and never the password."""

import socket
import unittest
import urllib.parse

from harness import POSTGRES, cluster_url, psql, run_cli, store_url, remove_data

import tempfile


def with_password(url, password):
    parts = urllib.parse.urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


class StoreUrlTest(unittest.TestCase):
    def test_what_is_not_a_postgresql_url_is_a_usage_error(self):
        for url in ("mysql://u@127.0.0.1/db", "127.0.0.1:5432", "file:///tmp/x"):
            p = run_cli("token", "create", "--user", "user-123", "--store", url, check=False)
            self.assertEqual(p.returncode, 2, (url, p.stderr))
            self.assertIn("must be a postgresql:// URL", p.stderr)

    def test_data_and_store_together_are_a_usage_error(self):
        p = run_cli("serve", "--data", "/tmp/x", "--store", "postgresql://u@127.0.0.1/db",
                    check=False)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--data excludes --store", p.stderr)

    def test_an_unreachable_server_is_one_line_and_exit_3(self):
        with socket.socket() as s:  # a port nobody listens on: bound here, never listened
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            url = f"postgresql://app:s3cret-pw@127.0.0.1:{port}/bank"
            p = run_cli("token", "create", "--user", "user-123", "--store", url, check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(f"cannot connect to the store postgresql://app@127.0.0.1:{port}/bank", p.stderr)
        self.assertIn("Connection refused", p.stderr)
        self.assertNotIn("s3cret-pw", p.stderr)


@unittest.skipUnless(POSTGRES, "needs the test PostgreSQL server")
class StoreUrlOnAServerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="centli-store-url-")
        self.url = store_url(self.dir)  # a fresh database on the test cluster

    def tearDown(self):
        remove_data(self.dir)

    def test_a_wrong_password_is_one_line_and_exit_3_without_the_password(self):
        url = with_password(self.url, "not-the-password")
        p = run_cli("serve", "--store", url, "--listen", "127.0.0.1:0", check=False, timeout=30)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("password authentication failed", p.stderr)
        self.assertNotIn("not-the-password", p.stderr)
        self.assertNotIn(urllib.parse.urlsplit(cluster_url()).password, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_a_missing_database_is_one_line_and_exit_3(self):
        url = urllib.parse.urlunsplit(
            urllib.parse.urlsplit(self.url)._replace(path="/centli_test_no_such_database"))
        p = run_cli("events", "list", "--store", url, check=False)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn('database "centli_test_no_such_database" does not exist', p.stderr)

    def test_a_database_with_a_newer_schema_is_refused(self):
        run_cli("demo", "load", "--store", self.url)
        psql(self.url, "INSERT INTO schema_version (version) VALUES (999)")
        p = run_cli("serve", "--store", self.url, "--listen", "127.0.0.1:0", check=False,
                    timeout=30)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("the database has schema version 999, newer than this centli understands",
                      p.stderr)
        # Nothing was changed by the refusal: the newer version is still the newest.
        p = run_cli("token", "create", "--user", "user-123", "--store", self.url, check=False)
        self.assertEqual(p.returncode, 3, p.stderr)


if __name__ == "__main__":
    unittest.main()
