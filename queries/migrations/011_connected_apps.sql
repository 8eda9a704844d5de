-- Issue 17 (auth posture): the connected apps the sync user holds OAuth tokens for (OauthToken
-- of the sync user) and whether each is installed in the org (a ConnectedApplication row of
-- that name), read hourly in the auth posture's /composite call. Since September 2025
-- Salesforce blocks uninstalled connected apps for users without "Approve Uninstalled
-- Connected Apps". Stored only when which apps, or their installed state, changed (a snapshot
-- of kind 'auth', scope 'connected_apps'). Its own table: migration 011 may run before 018.
CREATE TABLE IF NOT EXISTS sync_user_connected_apps (
    instance     VARCHAR NOT NULL,
    captured_at  TIMESTAMPTZ NOT NULL,
    -- JSON list of {"app", "tokens", "use_count", "last_used_at", "authorized_at" (ISO UTC),
    -- "installed" (NULL: the org's ConnectedApplication list was refused), "admin_approved_only",
    -- "not_judged" (why installed is NULL)}
    apps         VARCHAR NOT NULL,
    not_read     VARCHAR,              -- why the OauthToken rows could not be read (else NULL)
    source       VARCHAR NOT NULL,     -- salesforce | demo
    PRIMARY KEY (instance, captured_at)
);
