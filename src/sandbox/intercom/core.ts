// What every part of the simulator shares: the records, the factories, the clock and the outlet
// for webhook-worthy events. Passed around as one plain object.
import type { SimClock } from '../shared/clock.ts';
import type { IdSource } from '../shared/ids.ts';
import { createFactory, createState, type Factory, type SimState } from './state.ts';
import type { Company, Contact, Conversation, Part } from './types.ts';
import { conversationWire } from './wire/conversation.ts';
import { companyWire, contactWire } from './wire/people.ts';

export interface SimEvent {
  topic: string;
  workspaceId: string;
  /** `data.item` of the notification, built when the event happens (a snapshot, like Intercom's). */
  item: Record<string, unknown>;
  createdAt: number;
}

export interface SimCore {
  state: SimState;
  make: Factory;
  ids: IdSource;
  clock: SimClock;
  nowSec(): number;
  settings: { indexDelaySeconds: number };
  emit(event: SimEvent): void;
  onEvent(listener: (event: SimEvent) => void): void;
}

export function createCore(clock: SimClock, ids: IdSource, indexDelaySeconds: number, maxRecordsPerType?: number): SimCore {
  const state = createState();
  const settings = { indexDelaySeconds };
  const make = createFactory(state, clock, ids, () => settings.indexDelaySeconds, maxRecordsPerType);
  const listeners: Array<(event: SimEvent) => void> = [];
  return {
    state,
    make,
    ids,
    clock,
    nowSec: make.nowSec,
    settings,
    emit: (event) => {
      for (const listener of listeners) listener(event);
    },
    onEvent: (listener) => listeners.push(listener),
  };
}

/** Conversation webhook items carry only the parts the event made (Z fixtures; intercom-api.md §2.5). */
export function emitConversation(core: SimCore, topic: string, conversation: Conversation, parts: readonly Part[]): void {
  const item = conversationWire(core.state, conversation, { parts: { kind: 'only', parts }, isoStatistics: true });
  core.emit({ topic, workspaceId: conversation.workspaceId, item, createdAt: core.nowSec() });
}

/** `extra` joins the item's own fields (contact.merged adds `merged_from`, intercom-api.md §2.5). */
export function emitContact(core: SimCore, topic: string, contact: Contact, extra: Record<string, unknown> = {}): void {
  core.emit({ topic, workspaceId: contact.workspaceId, item: { ...contactWire(core.state, contact, 'iso'), ...extra }, createdAt: core.nowSec() });
}

export function emitCompany(core: SimCore, topic: string, company: Company): void {
  core.emit({ topic, workspaceId: company.workspaceId, item: companyWire(core.state, company, 'iso'), createdAt: core.nowSec() });
}
