"""MCP end to end with the official TypeScript SDK client (stdio and Streamable HTTP), and
`@redocly/cli lint` over every OpenAPI document. Installs tests/mcp's npm packages (npm ci,
from the lock file) when one is missing. Node.js, npm or a package that cannot be installed is
a failure saying what is missing, never a skip: a skipped test would let the suite pass
without ever running the SDK client."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, Server, remove_data, run_cli, store_args

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MCP_DIR = os.path.join(ROOT, "tests", "mcp")
# What tests/mcp/package.json depends on; each must be in node_modules.
PACKAGES = ("@modelcontextprotocol/sdk", "@redocly/cli")
NODE_TIMEOUT_S = 180
INSTALL_TIMEOUT_S = 600


def missing_packages():
    return [p for p in PACKAGES if not os.path.isdir(os.path.join(MCP_DIR, "node_modules", p))]


def ensure_packages():
    """Fails (AssertionError) unless node, npm and npx are on PATH and every package in
    PACKAGES is installed in tests/mcp, running `npm ci` first when one is missing."""
    tools = [t for t in ("node", "npm", "npx") if shutil.which(t) is None]
    if tools:
        raise AssertionError(
            f"{', '.join(tools)} not found on PATH: the MCP SDK and OpenAPI lint tests need "
            "Node.js and npm (scripts/install-deps --test installs them)")
    if not missing_packages():
        return
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=MCP_DIR,
                       capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    still = missing_packages()
    if p.returncode != 0 or still:
        raise AssertionError(f"npm ci in tests/mcp exited {p.returncode} and "
                             f"{', '.join(still) or 'no package'} is missing: " +
                             (p.stdout + p.stderr)[-2000:])


class McpSdkEndToEnd(unittest.TestCase):
    def setUp(self):
        ensure_packages()
        self.tmp = tempfile.mkdtemp(prefix="centli-mcp-")

    def tearDown(self):
        remove_data(self.tmp)

    def test_sdk_client_lists_calls_transfers_and_sees_refusals_over_both_transports(self):
        stdio_data = os.path.join(self.tmp, "stdio")
        run_cli("demo", "load", *store_args(stdio_data))
        with Server() as server:
            token = server.token(user="user-123")
            p = subprocess.run(["node", "mcp_e2e.mjs", os.path.abspath(BIN),
                                "=".join(store_args(stdio_data)),
                                f"http://127.0.0.1:{server.port}", token],
                               cwd=MCP_DIR, capture_output=True, text=True,
                               timeout=NODE_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("stdio:", p.stdout)
        self.assertIn("http:", p.stdout)

    def test_every_openapi_document_passes_redocly_lint(self):
        known = re.search(r"one of: ([^)]*)\)", run_cli("openapi", check=False).stderr)
        self.assertIsNotNone(known)
        files = []
        for group in (g.strip() for g in known.group(1).split(",")):
            path = os.path.join(self.tmp, f"{group}.json")
            with open(path, "w") as f:
                f.write(run_cli("openapi", "--group", group).stdout)
            files.append(path)
        p = subprocess.run(["npx", "--no-install", "redocly", "lint", "--format", "stylish",
                            "--config", os.path.join(ROOT, ".redocly.yaml"), *files],
                           cwd=MCP_DIR, capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
