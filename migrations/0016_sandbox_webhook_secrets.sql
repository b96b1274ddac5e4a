-- Sandbox connections used to store the same two webhook secrets on every install (a HubSpot
-- constant and a counter-derived Intercom app secret), as ordinary webhook secrets that sign
-- deliveries whether the sandbox is on or not. Their simulators live in memory and were gone at the
-- last restart anyway: the secrets go, so a delivery signed with them is refused. New sandbox
-- connections keep random secrets of their own, under *.sandbox_webhook_secret (issue #14 item 4).
DELETE FROM credentials
WHERE kind IN ('intercom.webhook_secret', 'hubspot.webhook_secret')
  AND owner IN (SELECT 'connection:' || id FROM connections WHERE intercom_base_url LIKE '%/sandbox/intercom');
