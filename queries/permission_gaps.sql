-- Open permission_failures findings as one row per gap, for Salesforce admins: what access is
-- missing, how many records fail, and the grant that fixes it.
SELECT severity,
       coalesce(json_extract_string(evidence, '$.object'), '') AS object,
       coalesce(nullif(json_extract_string(evidence, '$.field'), ''), '(object)') AS field,
       CASE
           WHEN json_extract(evidence, '$.permission_snapshot') IS NOT NULL THEN
               CASE WHEN CAST(json_extract_string(evidence, '$.permission_snapshot.readable') AS BOOLEAN)
                    THEN 'edit' ELSE 'read' END
           WHEN coalesce(json_extract_string(evidence, '$.field'), '') <> '' THEN 'edit'
           ELSE 'object access'
       END AS "access missing",
       coalesce(CAST(json_extract_string(evidence, '$.records') AS BIGINT), 0) AS "failing records",
       coalesce(CAST(json_extract_string(evidence, '$.errors') AS BIGINT), 0) AS errors,
       coalesce(json_extract_string(evidence, '$.last_seen'), '') AS "last error",
       coalesce(json_extract_string(evidence, '$.grant'), '') AS "grant to make",
       coalesce(array_to_string(CAST(json_extract(evidence, '$.sample_record_ids') AS VARCHAR[]), ', '), '')
           AS "sample record ids"
FROM findings
WHERE instance = $instance AND status = 'open' AND check_id = 'permission_failures'
ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, last_seen DESC
