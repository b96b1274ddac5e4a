-- One Intercom call per warm capture (#19 item 2). Intercom 2.14's conversation names its contacts
-- by id only (`contacts.contacts[]`: type, id, external_id; intercom-api.md §3.2; the conversation's
-- `company` arrives in 2.15), so the contact's company is known only from reading the contact. A
-- paired contact keeps which Intercom company capture last saw on it, and when: a later capture whose
-- contact and company are both paired then needs the conversation alone. Ids and a time only.
--
-- companies_seen_at NULL: not read since the pair was made (capture reads the contact again).
-- intercom_company_id NULL with a time: the contact had no company then.
ALTER TABLE record_pairs ADD COLUMN intercom_company_id TEXT;
ALTER TABLE record_pairs ADD COLUMN companies_seen_at INTEGER;
