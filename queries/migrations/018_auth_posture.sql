-- Issue 17 (auth posture): what the Salesforce collector reads, hourly with its schema pass,
-- about whether the sync user's connection will keep working: its User row and the system
-- permissions it holds through its profile and permission sets. Stored only when it changed
-- (a snapshot of kind 'auth', scope 'sync_user'), like describes and field permissions.
CREATE TABLE IF NOT EXISTS sync_user_auth (
    instance                 VARCHAR NOT NULL,
    captured_at              TIMESTAMPTZ NOT NULL,
    user_id                  VARCHAR NOT NULL,
    username                 VARCHAR,
    is_active                BOOLEAN,              -- User.IsActive
    profile                  VARCHAR,              -- User.Profile.Name
    last_password_change_at  TIMESTAMPTZ,          -- User.LastPasswordChangeDate (NULL: never)
    -- JSON list of {"permission", "label", "field", "granted", "via"}: one entry per system
    -- permission the check knows; "field" NULL and "granted" NULL when the org's PermissionSet
    -- describe has no field with that label (it cannot be read over the API).
    permissions              VARCHAR NOT NULL,
    source                   VARCHAR NOT NULL,     -- salesforce | demo
    PRIMARY KEY (instance, captured_at)
);
