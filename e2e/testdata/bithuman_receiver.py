"""A bitHuman-style webhook receiver, for hookd's interoperability tests.

verify_signature is the one of the Flask sample in bitHuman's webhook
documentation (seeds/003): the hex HMAC-SHA256 of the raw body, keyed with
the webhook secret, compared with hmac.compare_digest to the
X-bitHuman-Signature header as "sha256=<hex>". Flask is replaced by the
standard library's http.server so that the test needs python3 only.

The secret comes from the WEBHOOK_SECRET environment variable. The server
listens on 127.0.0.1 on a free port and prints "listening <port>", then one
line per request: "ok <event id>" or "reject <event id> <reason>". It answers
200 to a valid request and 401 (as the sample does) to any other.
"""

import hashlib
import hmac
import http.server
import json
import os
import sys

WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"]


def verify_signature(payload, signature):
    expected = hmac.new(
        WEBHOOK_SECRET.encode(),
        payload,
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        payload = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        event_id = self.headers.get("X-bitHuman-Event-Id", "-")
        signature = self.headers.get("X-bitHuman-Signature", "")
        if not verify_signature(payload, signature):
            self.answer(401, {"error": "Invalid signature"})
            print(f"reject {event_id} invalid signature {signature!r}", flush=True)
            return
        try:
            json.loads(payload)
        except ValueError as e:
            self.answer(400, {"error": "not JSON"})
            print(f"reject {event_id} body is not JSON: {e}", flush=True)
            return
        self.answer(200, {"status": "success"})
        print(f"ok {event_id}", flush=True)

    do_PUT = do_POST

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # stdout is for the test; keep stderr quiet


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
