// A receiver written for GitHub's webhooks, for hookd's interoperability
// tests: it reads X-Hub-Signature-256, as GitHub's documentation says to,
// and checks it with verify() of @octokit/webhooks-methods, GitHub's own
// library (installed here by `npm ci`; see package.json).
//
// The secret comes from the WEBHOOK_SECRET environment variable. The server
// listens on 127.0.0.1 on a free port and prints "listening <port>", then one
// line per request: "ok <event id>" or "reject <event id> <reason>". It
// answers 200 to a valid request and 401 to any other.
import http from 'node:http';
import { verify } from '@octokit/webhooks-methods';

const secret = process.env.WEBHOOK_SECRET;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const payload = Buffer.concat(chunks).toString('utf8');
    const eventId = req.headers['x-hookd-event-id'] || '-';
    let reason = '';
    try {
      const signature = req.headers['x-hub-signature-256'];
      if (!signature) {
        reason = 'no X-Hub-Signature-256 header';
      } else if (!(await verify(secret, payload, signature))) {
        reason = 'X-Hub-Signature-256 does not match';
      }
    } catch (e) {
      reason = e.message;
    }
    if (reason) {
      res.writeHead(401, { 'Content-Type': 'text/plain' });
      res.end('Unauthorized');
      console.log(`reject ${eventId} ${reason}`);
      return;
    }
    res.writeHead(200);
    res.end();
    console.log(`ok ${eventId}`);
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
