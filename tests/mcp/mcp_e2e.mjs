// End-to-end check of centli's MCP doors with the official TypeScript SDK client 1.x
// (@modelcontextprotocol/sdk, protocol 2025-11-25 with initialize):
//   node mcp_e2e.mjs CENTLI_BIN STORE URL TOKEN
// STORE is the store option as one argument, `--data=DIR` or `--store=URL`.
// Over stdio (`centli mcp STORE --user user-123`) and Streamable HTTP (URL/mcp with
// TOKEN, a token of user-123): exercise.mjs (every tool, a refused transfer, an unknown tool),
// then ping. Exits 0 when every check holds.
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

import { exercise } from "./exercise.mjs";

const [bin, store, url, token] = process.argv.slice(2);
assert.ok(bin && /^--(data|store)=./.test(store) && url && token,
          "usage: mcp_e2e.mjs CENTLI_BIN --data=DIR|--store=URL URL TOKEN");

async function run(label, transport) {
  const client = new Client({ name: "centli-e2e", version: "1.0.0" });
  await client.connect(transport);
  const count = await exercise(label, client);
  await client.ping();
  await client.close();
  console.log(`${label}: ${count} tools, every tool, a refused transfer and ping ok`);
}

await run("stdio", new StdioClientTransport({
  command: bin,
  args: ["mcp", store, "--user", "user-123"],
  stderr: "inherit",
}));
await run("http", new StreamableHTTPClientTransport(new URL("/mcp", url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
}));
