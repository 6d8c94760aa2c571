// Package signature signs webhook requests the way hookd sends them and
// verifies them the way a receiver checks them. It depends on the standard
// library only, so receivers can import it without pulling in hookd.
//
// The standard scheme follows Standard Webhooks: headers webhook-id,
// webhook-timestamp and webhook-signature ("v1,<base64>" per valid secret,
// space-separated), the HMAC-SHA256 of "id.timestamp.body" keyed with the
// base64-decoded part of the secret after "whsec_".
package signature
