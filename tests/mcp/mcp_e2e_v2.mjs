// End-to-end check of centli's MCP doors with the official TypeScript client 2.x
// (@modelcontextprotocol/client, which speaks 2026-07-28 and, for older servers, 2025-11-25):
//   node mcp_e2e_v2.mjs CENTLI_BIN STORE URL TOKEN
// STORE is the store option as one argument, `--data=DIR` or `--store=URL`.
// Over stdio (`centli mcp STORE --user user-123`) and Streamable HTTP (URL/mcp with TOKEN, a
// token of user-123), with each version negotiation of the client: pinned to 2026-07-28
// (stateless, no initialize), `auto` (probes with server/discover and must choose 2026-07-28),
// and `legacy` (initialize, 2025-11-25). Each runs exercise.mjs: every tool, a refused transfer,
// an unknown tool. Exits 0 when every check holds.
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";

import { exercise } from "./exercise.mjs";

const [bin, store, url, token] = process.argv.slice(2);
assert.ok(bin && /^--(data|store)=./.test(store) && url && token,
          "usage: mcp_e2e_v2.mjs CENTLI_BIN --data=DIR|--store=URL URL TOKEN");

const MODES = [
  ["pinned", { pin: "2026-07-28" }, "2026-07-28"],
  ["auto", "auto", "2026-07-28"],
  ["legacy", "legacy", "2025-11-25"],
];

const transports = {
  stdio: () => new StdioClientTransport({
    command: bin,
    args: ["mcp", store, "--user", "user-123"],
    stderr: "inherit",
  }),
  http: () => new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  }),
};

for (const [door, transport] of Object.entries(transports)) {
  for (const [mode, negotiation, version] of MODES) {
    const label = `${door}-${mode}`;
    const client = new Client({ name: "centli-e2e-v2", version: "1.0.0" },
                              { versionNegotiation: { mode: negotiation } });
    await client.connect(transport());
    assert.equal(client.getNegotiatedProtocolVersion(), version, `${label}: negotiated version`);
    assert.equal(client.getServerVersion()?.name, "centli", `${label}: server identity`);
    const count = await exercise(label, client);
    await client.close();
    console.log(`${label}: ${version}, ${count} tools, every tool and a refused transfer ok`);
  }
}
