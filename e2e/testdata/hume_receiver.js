// A Hume EVI-style webhook receiver, for hookd's interoperability tests.
//
// It follows the steps of Hume's webhook documentation (seeds/000) the way
// Hume's published TypeScript receiver example (hume-api-examples,
// evi/webhooks) carries them out: take X-Hume-AI-Webhook-Signature and
// X-Hume-AI-Webhook-Timestamp, compute the hex HMAC-SHA256 of the raw
// payload, a dot, then the timestamp, keyed with the secret; compare with
// crypto.timingSafeEqual after checking the lengths; and reject a timestamp
// more than 180 seconds old.
//
// The secret comes from the WEBHOOK_SECRET environment variable.
// SIGNATURE_HEADER and TIMESTAMP_HEADER, when set, name the two headers in
// place of Hume's (for a receiver of hookd's split scheme whose webhook sets
// signature.header and signature.timestamp_header). The server
// listens on 127.0.0.1 on a free port and prints "listening <port>", then one
// line per request: "ok <event id>" or "reject <event id> <reason>". It
// answers 200 to a valid request and 401 to any other.
'use strict';

const crypto = require('crypto');
const http = require('http');

const secret = process.env.WEBHOOK_SECRET;
const WINDOW_SECONDS = 180;
const signatureHeader = (process.env.SIGNATURE_HEADER || 'X-Hume-AI-Webhook-Signature').toLowerCase();
const timestampHeader = (process.env.TIMESTAMP_HEADER || 'X-Hume-AI-Webhook-Timestamp').toLowerCase();

function checkSignature(payload, headers) {
  const timestamp = headers[timestampHeader];
  if (!timestamp) throw new Error('missing timestamp header');
  const signature = headers[signatureHeader];
  if (!signature) throw new Error('missing signature header');

  const expected = crypto
    .createHmac('sha256', secret)
    .update(`${payload}.${timestamp}`)
    .digest('hex');
  const got = Buffer.from(signature, 'utf8');
  const want = Buffer.from(expected, 'utf8');
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
    throw new Error('invalid HMAC signature');
  }
}

function checkTimestamp(headers) {
  const timestamp = parseInt(headers[timestampHeader], 10);
  if (isNaN(timestamp)) throw new Error('invalid timestamp');
  const now = Math.floor(Date.now() / 1000);
  if (now - timestamp > WINDOW_SECONDS) throw new Error('timestamp too old');
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const payload = Buffer.concat(chunks).toString('utf8');
    const eventId = req.headers['x-hume-ai-webhook-event-id'] || req.headers['x-hookd-event-id'] || '-';
    try {
      checkSignature(payload, req.headers);
      checkTimestamp(req.headers);
      JSON.parse(payload);
    } catch (e) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: e.message }));
      console.log(`reject ${eventId} ${e.message}`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"received":true}');
    console.log(`ok ${eventId}`);
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
