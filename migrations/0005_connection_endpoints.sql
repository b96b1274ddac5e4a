-- Where a connection's vendor APIs live when not at the vendors' own hosts: the built-in sandbox's
-- simulators (or a test's). NULL means the real Intercom (by region) and HubSpot.
ALTER TABLE connections ADD COLUMN intercom_base_url TEXT;
ALTER TABLE connections ADD COLUMN hubspot_base_url TEXT;
