-- How each side of a connection was connected ('oauth' or 'token'; NULL while not connected), and
-- the scopes HubSpot reported for the grant (a JSON array of scope names; NULL when not known).
-- Identity only: no token or secret lives here (they are sealed in credentials).
ALTER TABLE connections ADD COLUMN intercom_auth TEXT CHECK (intercom_auth IN ('oauth', 'token'));
ALTER TABLE connections ADD COLUMN hubspot_auth TEXT CHECK (hubspot_auth IN ('oauth', 'token'));
ALTER TABLE connections ADD COLUMN hubspot_scopes TEXT;
-- Which side's credential was refused while status is needs_reauth (1 = refused): re-authorising
-- one side must not clear the other's refusal.
ALTER TABLE connections ADD COLUMN intercom_refused INTEGER NOT NULL DEFAULT 0 CHECK (intercom_refused IN (0, 1));
ALTER TABLE connections ADD COLUMN hubspot_refused INTEGER NOT NULL DEFAULT 0 CHECK (hubspot_refused IN (0, 1));
