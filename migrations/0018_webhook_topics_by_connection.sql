-- The connection page says, per webhook topic a connection needs, when one last arrived (issue #14
-- item 19): MAX(received_at) grouped by provider and topic for one connection. This index answers
-- it from the index alone, instead of reading every delivery the connection ever had.
CREATE INDEX webhook_deliveries_by_connection_topic ON webhook_deliveries (connection_id, provider, topic, received_at);
