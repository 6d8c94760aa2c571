// Package seal keeps hookd's secrets encrypted at rest, the same way on
// every storage engine: New wraps any hookd.Store so that webhook signing
// secrets, webhook header values (often credentials) and saved idempotent
// answers (which hold new API keys and signing secrets) are sealed with
// AES-256-GCM before the store sees them and opened again on the way out.
// A copy of the database alone reveals none of them.
//
// Each sealed value is bound (as GCM additional data) to where it belongs:
// a webhook's id and the header's name, or an idempotency key's scope, so a
// value copied from one row to another does not open. Values are tagged
// with the id of the key that sealed them, so a Keyring can hold old keys
// while the current one takes over (HOOKD_ENCRYPTION_KEY=new,old).
// Values written before encryption was introduced (no tag) are read as
// they are and sealed on their next write.
package seal
