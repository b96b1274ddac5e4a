-- Tickets (issue #8): which HubSpot ticket a conversation has, and what this daemon last set on it.
-- Ids and states only: no conversation text.

-- One row per conversation that has (or is getting) a ticket. With the reuse_open policy several
-- conversations share a ticket. `pending_ref` is committed before the ticket is created and written
-- into the ticket, so a crash between HubSpot's answer and the local commit finds that ticket again
-- instead of creating a second one. `state` is the conversation state the stage was last synced
-- for: a stage a person picks in HubSpot is left alone until the conversation's state changes.
CREATE TABLE ticket_links (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  conversation_id TEXT NOT NULL,
  ticket_id TEXT,
  pending_ref TEXT,
  contact_id TEXT,
  pipeline_id TEXT,
  stage_id TEXT,
  stage_closed INTEGER NOT NULL DEFAULT 0 CHECK (stage_closed IN (0, 1)),
  state TEXT,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted', 'failed')),
  problem TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, conversation_id)
);
CREATE INDEX ticket_links_by_ticket ON ticket_links (connection_id, ticket_id);
CREATE INDEX ticket_links_open_by_contact ON ticket_links (connection_id, contact_id) WHERE status = 'active' AND stage_closed = 0;

-- What a person must look at on a connection (a ticket stage that no longer exists, a pipeline
-- without permission, a ticket deleted in HubSpot): one row per kind, replaced when it recurs,
-- removed when it is resolved. Shown on the connection page.
CREATE TABLE connection_warnings (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  raised_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, code)
);
