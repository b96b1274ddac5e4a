-- The Activity page and GET /api/activity search the whole log for one conversation (by id or by
-- its Intercom URL), across connections; without this index that search reads every entry.
CREATE INDEX activity_by_subject ON activity (subject_id, id);
