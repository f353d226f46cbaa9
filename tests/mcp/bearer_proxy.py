"""An HTTP relay on 127.0.0.1 that adds `Authorization: Bearer TOKEN` to every request and passes
everything else through unchanged (method, path, headers, body; status, headers, body back).
The MCP conformance suite sends no credentials, and centli's /mcp needs a person's token: this
lets the suite speak to a real `centli serve` without centli growing an unauthenticated mode.
Standard library only."""

import http.client
import http.server
import threading

# Headers that describe one hop, not the message (RFC 9110 section 7.6.1).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade",
              "te", "trailer"}
TIMEOUT_S = 60


class BearerProxy:
    """Relays 127.0.0.1:port to the server at 127.0.0.1:target_port with the token added.
    Use as a context manager; `url` is the relay's base URL."""

    def __init__(self, target_port, token):
        self.target_port = target_port
        self.token = token
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP and k.lower() not in
                           ("host", "content-length", "authorization")}
                headers["Authorization"] = f"Bearer {proxy.token}"
                conn = http.client.HTTPConnection("127.0.0.1", proxy.target_port,
                                                  timeout=TIMEOUT_S)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    r = conn.getresponse()
                    data = r.read()
                    self.send_response(r.status, r.reason)
                    for k, v in r.getheaders():
                        if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = relay

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that drops its connection is no fault of the relay

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
