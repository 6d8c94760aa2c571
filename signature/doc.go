// Package signature signs webhook requests the way hookd sends them and
// verifies them the way a receiver checks them. It depends on the standard
// library only, so receivers can import it without pulling in the rest of
// hookd.
//
// # Schemes
//
// Each webhook signs with one of four schemes. <P> is the header prefix (by
// default X-Hookd; a platform may set its own, such as X-Humiris), t is the
// attempt's Unix time in seconds, and body is exactly the bytes sent.
//
//	scheme    headers                                      HMAC-SHA256 of   key
//	standard  webhook-id, webhook-timestamp,               id.t.body        base64-decoded secret after "whsec_"
//	          webhook-signature: v1,<base64> [v1,<base64>…]
//	stripe    <P>-Signature: t=<t>,v1=<hex>[,v1=<hex>…]    t.body           the whole secret string
//	github    <P>-Signature: sha256=<hex>                  body             the whole secret string
//	split     <P>-Signature: <hex>, <P>-Timestamp: <t>     body.t           the whole secret string
//
// A sender may name the signature header itself (Headers.Signature): a
// webhook whose receiver was written for GitHub signs with the github
// scheme in X-Hub-Signature-256. The split scheme's timestamp header may be
// named too (Headers.Timestamp); the standard scheme's webhook-id and
// webhook-timestamp keep their names. SignHeaders signs in such headers,
// and a Verifier's SignatureHeader and TimestampHeader read them.
//
// The standard scheme is Standard Webhooks (and Svix): its reference
// libraries verify it. The stripe scheme is Stripe's: Stripe's SDKs verify
// it with the whole "whsec_…" string as their endpoint secret. The github
// scheme is GitHub's X-Hub-Signature-256; it signs no timestamp, so it
// cannot stop a replayed request. The split scheme is Hume's EVI webhooks'.
//
// # Secret rotation
//
// When a webhook's secret is rotated, the old secret keeps signing for a
// grace period. The standard and stripe schemes then carry one signature
// per valid secret, newest first, so receivers holding the old secret and
// receivers holding the new one both verify every request. The github and
// split schemes carry one signature, made with the newest secret: their
// receivers should hold both secrets (Verifier.Secrets) while they switch.
//
// # Verifying
//
// A receiver makes a Verifier with its scheme, prefix (or header names)
// and secret, and calls Verify with the request's headers and raw body, or
// wraps its handler in Verifier.Middleware. Signatures are compared in constant time; the signed
// timestamp must be within Verifier.Tolerance of now (5 minutes by
// default). Verify's errors wrap ErrNoSignature, ErrMalformed,
// ErrBadSignature, ErrTooOld and ErrTooNew; test them with errors.Is.
//
// The body must be the bytes received, before any JSON decoding: a
// re-encoded body (other spacing, key order or escaping) does not verify.
//
// # Test vectors
//
// testdata/vectors.json in this package's directory holds test vectors for
// receivers written in any language. Its "valid" list gives, for each
// scheme, the inputs (secrets newest first, id, timestamp in Unix seconds,
// body as a string whose UTF-8 bytes are the body, header prefix) and the
// exact headers hookd sends for them, with header names in lower case. A
// receiver holding any one secret that a vector's headers carry (every
// secret for standard and stripe, the first for github and split) must
// accept the vector when its clock reads the vector's timestamp. The
// "invalid" list gives requests that must be rejected, at "now" with a
// tolerance of "tolerance_seconds", and the kind of error: "no_signature",
// "malformed", "bad_signature", "too_old" or "too_new". This package's tests
// check that Sign produces exactly the valid vectors and that Verify
// rejects each invalid one as named.
package signature
