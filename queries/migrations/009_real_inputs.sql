-- Issue 13: what Marketo really exports.

-- A Sync Status count can be "no count": Adobe documents N/A as the counts of the Update FKS
-- step, and a blank cell is no count either. NULL, not 0.
ALTER TABLE sync_cycles ALTER COLUMN new_count DROP NOT NULL;
ALTER TABLE sync_cycles ALTER COLUMN updated_count DROP NOT NULL;
ALTER TABLE sync_cycles ALTER COLUMN deleted_count DROP NOT NULL;
ALTER TABLE sync_cycles ALTER COLUMN failed_count DROP NOT NULL;
ALTER TABLE sync_cycles ALTER COLUMN skipped_count DROP NOT NULL;

-- Objects were stored as Marketo labels them ("Person (Lead)", "Campaigns"); they are stored by
-- their Salesforce API name now (monitor/vocabulary SYNC_OBJECT_LABELS, the same list).
UPDATE sync_cycles SET object = CASE regexp_replace(lower(object), '[^a-z0-9]', '', 'g')
        WHEN 'personlead' THEN 'Lead' WHEN 'person' THEN 'Lead' WHEN 'persons' THEN 'Lead'
        WHEN 'people' THEN 'Lead' WHEN 'leads' THEN 'Lead'
        WHEN 'contacts' THEN 'Contact' WHEN 'accounts' THEN 'Account'
        WHEN 'opportunities' THEN 'Opportunity' WHEN 'campaigns' THEN 'Campaign'
        WHEN 'campaignmember' THEN 'CampaignMember' WHEN 'campaignmembers' THEN 'CampaignMember'
        WHEN 'campaignmemberstatus' THEN 'CampaignMemberStatus'
        WHEN 'campaignmemberstatuses' THEN 'CampaignMemberStatus'
        WHEN 'opportunitycontactrole' THEN 'OpportunityContactRole'
        WHEN 'opportunitycontactroles' THEN 'OpportunityContactRole'
        WHEN 'opportunitycontact' THEN 'OpportunityContactRole'
        WHEN 'tasks' THEN 'Task' WHEN 'events' THEN 'Event' WHEN 'users' THEN 'User'
        WHEN 'emailtemplate' THEN 'EmailTemplate' WHEN 'emailtemplates' THEN 'EmailTemplate'
        WHEN 'personstatus' THEN 'LeadStatus'
        ELSE object END
WHERE source = 'sync_status_export'
  AND regexp_replace(lower(object), '[^a-z0-9]', '', 'g') IN ('personlead', 'person', 'persons', 'people', 'leads', 'contacts',
        'accounts', 'opportunities', 'campaigns', 'campaignmember', 'campaignmembers',
        'campaignmemberstatus', 'campaignmemberstatuses', 'opportunitycontactrole',
        'opportunitycontactroles', 'opportunitycontact', 'tasks', 'events', 'users',
        'emailtemplate', 'emailtemplates', 'personstatus');

-- stream_events.outcome gains 'activity_already_stored': an activity event whose activity was
-- stored before (over REST, or by the legacy stream). No schema change: a value, not a column.
