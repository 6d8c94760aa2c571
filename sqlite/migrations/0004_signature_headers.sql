-- A webhook may name its signature header (signature.header, such as
-- X-Hub-Signature-256 for a receiver written for GitHub) and the split
-- scheme's timestamp header (signature.timestamp_header). '' keeps the
-- scheme's own names, as every webhook made before this migration had.

ALTER TABLE webhooks ADD COLUMN signature_header TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN timestamp_header TEXT NOT NULL DEFAULT '';
