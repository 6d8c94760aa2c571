// A Humiris-style webhook receiver, for hookd's interoperability tests.
//
// verifyWebhook is the TypeScript sample of Humiris's webhook documentation
// (seeds/002) with its type annotations removed: it splits the
// X-Humiris-Signature header "t=<t>,v1=<hex>" at the comma, computes the hex
// HMAC-SHA256 of timestamp + '.' + payload keyed with the signing secret,
// and compares with crypto.timingSafeEqual. Node's http module stands in for
// a web framework, so the test needs node only.
//
// The secret comes from the WEBHOOK_SECRET environment variable. The server
// listens on 127.0.0.1 on a free port and prints "listening <port>", then one
// line per request: "ok <event id>" or "reject <event id> <reason>". It
// answers 200 to a valid request and 401 to any other.
'use strict';

const crypto = require('crypto');
const http = require('http');

const secret = process.env.WEBHOOK_SECRET;

function verifyWebhook(
  payload,
  signature,
  secret
) {
  const [tPart, vPart] = signature.split(',');
  const timestamp = tPart.replace('t=', '');
  const expectedSig = vPart.replace('v1=', '');

  const computed = crypto
    .createHmac('sha256', secret)
    .update(timestamp + '.' + payload)
    .digest('hex');

  return crypto.timingSafeEqual(
    Buffer.from(computed),
    Buffer.from(expectedSig)
  );
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const payload = Buffer.concat(chunks).toString('utf8');
    const eventId = req.headers['x-humiris-event-id'] || '-';
    const signature = req.headers['x-humiris-signature'] || '';
    let ok = false;
    let reason = 'invalid signature';
    try {
      ok = verifyWebhook(payload, signature, secret);
    } catch (e) {
      reason = e.message; // timingSafeEqual throws on a length mismatch
    }
    if (ok) {
      try {
        JSON.parse(payload);
      } catch (e) {
        ok = false;
        reason = 'body is not JSON: ' + e.message;
      }
    }
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(ok ? { received: true } : { error: reason }));
    console.log(ok ? `ok ${eventId}` : `reject ${eventId} ${reason} ${JSON.stringify(signature)}`);
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
