// The sandbox's Inbox (issue #20 item 5): GET /api/connections/:id/sandbox/inbox lists the simulated
// conversations to open; POST …/sandbox/inbox/open opens one in the simulated Inbox (the signed
// initialize request to this daemon's canvas URL); POST …/sandbox/inbox/click clicks a component of
// the card shown (the signed submit request). The UI imports the types with `import type`.
import { z } from 'zod';
import type { CanvasComponent, CanvasObject } from '../../sandbox/intercom/canvas-schema.ts';

export type { CanvasComponent, CanvasObject };

interface SandboxInboxConversation {
  id: string;
  /** The subject, or the start of the first message when it has none. */
  title: string;
  customer: string;
  state: 'open' | 'closed' | 'snoozed';
  updatedAt: string;
}

export interface SandboxInboxList {
  /** Newest first, at most 50. */
  conversations: SandboxInboxConversation[];
  /** Whom the Inbox shows the card to (the sandbox's demo teammate). */
  teammate: { id: string; name: string };
}

/** The card as the teammate sees it: `canvas` when the daemon's answer is one Intercom shows, else `problems`. */
export interface SandboxInboxAnswer {
  conversationId: string;
  teammate: { id: string; name: string };
  /** The daemon's HTTP status; null when it could not be reached in time. */
  status: number | null;
  canvas: CanvasObject | null;
  problems: string[];
}

export const SandboxInboxOpenBody = z.strictObject({ conversationId: z.string().min(1).max(64) });

export const SandboxInboxClickBody = SandboxInboxOpenBody.extend({
  componentId: z.string().min(1).max(256),
  /** What the teammate entered, by component id (a checkbox: the chosen option ids). */
  inputValues: z.record(z.string(), z.union([z.string().max(10_000), z.array(z.string().max(256)).max(100)])).default({}),
});
export type SandboxInboxClickBody = z.input<typeof SandboxInboxClickBody>;
