-- A delivery's attempt log moves into its row: log is a JSON array of its
-- attempts in number order (an attempt's number is its place in the array,
-- from 1), NULL before the first. Recording an attempt then writes one row
-- instead of two, and reads none: the attempts table cost a lookup of the
-- delivery, a foreign-key check and a B-tree of its own per attempt.
--
-- An entry has the attempts table's columns as keys; request and response
-- are the objects they held, but with headers as a list of [name, value]
-- pairs (cheaper to encode than an object, whose keys are sorted; null
-- stays null), and response null when none came.

ALTER TABLE deliveries ADD COLUMN log TEXT;

UPDATE deliveries SET log = (
    SELECT '[' || group_concat(json_object(
        'trigger', trigger,
        'started_at', started_at,
        'duration_ms', duration_ms,
        'request', json_object(
            'method', request ->> '$.method',
            'url', request ->> '$.url',
            'headers', CASE WHEN json_type(request, '$.headers') = 'object' THEN
                json((SELECT json_group_array(json_array(key, value)) FROM json_each(request, '$.headers'))) END),
        'response', CASE WHEN response IS NULL THEN NULL ELSE json_object(
            'status', response ->> '$.status',
            'headers', CASE WHEN json_type(response, '$.headers') = 'object' THEN
                json((SELECT json_group_array(json_array(key, value)) FROM json_each(response, '$.headers'))) END,
            'body', response ->> '$.body') END,
        'error', error), ',' ORDER BY number) || ']'
    FROM attempts WHERE attempts.delivery_id = deliveries.id)
WHERE EXISTS (SELECT 1 FROM attempts WHERE attempts.delivery_id = deliveries.id);

DROP TABLE attempts;
