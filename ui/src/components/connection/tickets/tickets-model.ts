// The Tickets tab's vocabulary: the settings' shapes, the conversation states a stage is picked
// for, and how a typed pipeline or stage (an id or a name) is matched to HubSpot's live list.
import type { SettingsView, TicketPipelines } from '../../../../../src/http/api-types.ts';

export type Tickets = SettingsView['settings']['tickets'];
export type State = keyof Tickets['stages'];
export type Pipeline = TicketPipelines['pipelines'][number];
export type Stage = Pipeline['stages'][number];
/** A change to the form's draft. */
export type SetTickets = (change: Partial<Tickets>) => void;

export const states: ReadonlyArray<{ state: State; label: string; hint: string }> = [
  { state: 'open', label: 'Open', hint: 'A conversation waiting on the team or the customer.' },
  { state: 'snoozed', label: 'Snoozed', hint: 'Put aside by a teammate until later.' },
  { state: 'closed', label: 'Closed', hint: 'Closed in Intercom.' },
  { state: 'reopened', label: 'Reopened', hint: 'Closed before, then reopened or written to again.' },
];

const fold = (value: string) => value.trim().toLowerCase();

/** As the server resolves a setting: an id first, then a label (letter case aside). */
export function lookup<T extends { id: string; label: string }>(items: readonly T[], wanted: string): T | undefined {
  return items.find((item) => item.id === wanted.trim()) ?? items.find((item) => fold(item.label) === fold(wanted));
}

/** The pipeline the setting names, HubSpot's first for an empty one, or null when HubSpot has no such pipeline. */
export function effectivePipeline(pipelines: readonly Pipeline[], wanted: string): Pipeline | null {
  return (wanted.trim() === '' ? pipelines[0] : lookup(pipelines, wanted)) ?? null;
}

export const defaultStage = (pipeline: Pipeline, state: State): Stage | undefined => pipeline.stages.find((stage) => stage.closed === (state === 'closed'));

export const stageText = (stage: Stage) => `${stage.label}${stage.closed ? ' (closed)' : ''}`;

// A value not on the list still has to be the select's value, or the browser shows the first option.
export const MISSING = '\u0000missing';
