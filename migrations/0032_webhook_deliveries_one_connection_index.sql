-- One index per connection's deliveries instead of two (issue #19: each index is a B-tree insert and
-- a page in the intake's commit). (connection_id, received_at) answered time ranges and "last
-- received"; (connection_id, provider, topic, received_at) answered "when did each topic last
-- arrive". With provider and topic after the time, one index covers both: a time range is a seek,
-- and the per-topic question reads the connection's entries without touching the table, as before.
DROP INDEX webhook_deliveries_by_connection;
DROP INDEX webhook_deliveries_by_connection_topic;
CREATE INDEX webhook_deliveries_by_connection ON webhook_deliveries (connection_id, received_at, provider, topic);
