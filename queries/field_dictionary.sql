-- Data dictionary of the synced fields: field_hygiene.sql (the latest describe as the sync
-- user sees it, how full each field is, when it last changed) with the sync user's access from
-- the latest permission snapshot (permissions_latest.sql), for one object or all ('').
SELECT h.object, h.field, h.label, h.type, h.length, h.is_custom, h.calculated,
       h.calculated_formula, h.updateable, a.readable, a.editable,
       h.fill_share AS fill_rate, h.last_change, h.described_at
FROM {{ field_hygiene }} h
LEFT JOIN {{ permissions_latest }} a ON a.object = h.object AND a.field = h.field
WHERE ($object = '' OR h.object = $object)
ORDER BY h.object, h.field
