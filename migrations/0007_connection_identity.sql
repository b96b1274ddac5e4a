-- How each side of a connection was connected ('oauth' or 'token'; NULL while not connected), and
-- the scopes HubSpot reported for the grant (a JSON array of scope names; NULL when not known).
-- Identity only: no token or secret lives here (they are sealed in credentials).
ALTER TABLE connections ADD COLUMN intercom_auth TEXT CHECK (intercom_auth IN ('oauth', 'token'));
ALTER TABLE connections ADD COLUMN hubspot_auth TEXT CHECK (hubspot_auth IN ('oauth', 'token'));
ALTER TABLE connections ADD COLUMN hubspot_scopes TEXT;
