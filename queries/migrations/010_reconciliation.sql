-- Issue 17 (reconciliation sampling): once a day the reconciliation job reads a stratified
-- random sample of Leads and Contacts from Salesforce and from Marketo and compares every
-- synced field with the sync's own rules. Only masked values are stored: a sample leaves the
-- store in findings, alerts and reports, and full values are personal data.

-- One row per sample and object: how many records were drawn and found, and what it cost.
CREATE TABLE IF NOT EXISTS reconciliation_runs (
    instance          VARCHAR NOT NULL,
    sampled_at        TIMESTAMPTZ NOT NULL,
    object            VARCHAR NOT NULL,     -- Lead | Contact
    seed              BIGINT NOT NULL,      -- from instance + day: a replay draws the same ids
    recent            INTEGER NOT NULL,     -- drawn among records changed in the recent days
    untouched         INTEGER NOT NULL,     -- drawn among records untouched for long
    read_salesforce   INTEGER NOT NULL,     -- of them read back from Salesforce
    found_in_marketo  INTEGER NOT NULL,     -- of them found in Marketo by sfdcLeadId/ContactId
    in_flight         INTEGER NOT NULL,     -- changed too recently to judge (the sync may not
                                            -- have carried the change yet): not compared
    salesforce_calls  INTEGER NOT NULL,     -- API calls of the whole sample (both objects)
    marketo_calls     INTEGER NOT NULL,
    source            VARCHAR NOT NULL,     -- salesforce | demo
    PRIMARY KEY (instance, sampled_at, object)
);

-- One row per sample, object and compared field.
CREATE TABLE IF NOT EXISTS reconciliation_fields (
    instance          VARCHAR NOT NULL,
    sampled_at        TIMESTAMPTZ NOT NULL,
    object            VARCHAR NOT NULL,
    field             VARCHAR NOT NULL,     -- Salesforce API name
    marketo_field     VARCHAR NOT NULL,     -- Marketo REST name (leads/describe.json)
    field_type        VARCHAR,              -- Salesforce describe type
    is_formula        BOOLEAN NOT NULL,     -- describe `calculated`
    is_readable       BOOLEAN,              -- the sync user's read access (NULL: unknown)
    compared          INTEGER NOT NULL,     -- records compared on this field
    mismatched        INTEGER NOT NULL,
    source            VARCHAR NOT NULL,
    PRIMARY KEY (instance, sampled_at, object, field)
);

-- One row per record and field that differed, its values masked (j***@acme.com).
CREATE TABLE IF NOT EXISTS reconciliation_mismatches (
    instance          VARCHAR NOT NULL,
    sampled_at        TIMESTAMPTZ NOT NULL,
    object            VARCHAR NOT NULL,
    field             VARCHAR NOT NULL,
    sfdc_id           VARCHAR NOT NULL,
    marketo_id        VARCHAR,
    stratum           VARCHAR NOT NULL,     -- recent | untouched
    salesforce_value  VARCHAR,              -- masked
    marketo_value     VARCHAR,              -- masked
    system_modstamp   TIMESTAMPTZ,          -- the record's SystemModstamp when read
    marketo_updated_at TIMESTAMPTZ,         -- the Marketo lead's updatedAt when read: an
                                            -- older one than SystemModstamp means the sync
                                            -- has not carried the change (the backlog)
    source            VARCHAR NOT NULL,
    PRIMARY KEY (instance, sampled_at, object, field, sfdc_id)
);
