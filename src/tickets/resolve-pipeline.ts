// The connection's ticket pipeline and stage settings checked against HubSpot's real pipelines
// (DESIGN.md §1 "Tickets"; hubspot-api.md §8, §14). Pure: the caller fetches the pipelines and
// decides what a problem means (refuse to start, a warning in the UI, no ticket writes). Each
// problem names its settings key, the value and what does exist, so a YAML typo is fixable from
// the message alone.
import { CONVERSATION_STATES, type ConversationState, type TicketSettings } from '../config/connection-settings.ts';
import type { Pipeline, PipelineStage } from '../integrations/hubspot/schemas.ts';

interface ResolvedStage {
  id: string;
  label: string;
  /** HubSpot's own view of the stage (isClosedStage). */
  closed: boolean;
}

export interface ResolvedPipeline {
  pipelineId: string;
  pipelineLabel: string;
  stages: Record<ConversationState, ResolvedStage>;
  /**
   * Stages a ticket counts as closed in: those HubSpot calls closed, and the stage closed
   * conversations are mapped to even when HubSpot calls it open (see resolvePipeline).
   */
  closedStageIds: ReadonlySet<string>;
}

export interface PipelineProblem {
  /** The settings path, e.g. `connections[0].tickets.stages.closed`. */
  key: string;
  message: string;
}

export type PipelineResolution = { ok: true; resolved: ResolvedPipeline } | { ok: false; problems: PipelineProblem[] };

/** Stage metadata is string → string; observed ticket stages carry either key (hubspot-api.md §14.2). */
export function isClosedStage(stage: PipelineStage): boolean {
  return stage.metadata['ticketState'] === 'CLOSED' || stage.metadata['isClosed'] === 'true';
}

interface Candidate {
  id: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

type Lookup<T> = { kind: 'found'; item: T } | { kind: 'archived'; item: T } | { kind: 'missing' };

const fold = (value: string) => value.trim().toLowerCase();

const byDisplayOrder = <T extends Candidate>(items: readonly T[]): T[] => items.toSorted((a, b) => a.displayOrder - b.displayOrder);

const live = <T extends Candidate>(items: readonly T[]): T[] => byDisplayOrder(items.filter((item) => !item.archived));

/**
 * Id before label, so a label that looks like another item's id cannot shadow it; a live item
 * before an archived one, so an archived namesake never hides the one in use.
 */
function lookup<T extends Candidate>(items: readonly T[], wanted: string): Lookup<T> {
  const id = wanted.trim();
  const label = fold(wanted);
  const sorted = byDisplayOrder(items);
  const find = (archived: boolean) =>
    sorted.find((item) => item.archived === archived && item.id === id) ??
    sorted.find((item) => item.archived === archived && fold(item.label) === label);
  const found = find(false);
  if (found) return { kind: 'found', item: found };
  const archived = find(true);
  return archived ? { kind: 'archived', item: archived } : { kind: 'missing' };
}

const listed = (what: string, items: readonly Candidate[]) => {
  const labels = live(items).map((item) => item.label);
  return `(${what}: ${labels.length > 0 ? labels.join(', ') : 'none'})`;
};

function pickPipeline(pipelines: readonly Pipeline[], wanted: string, key: string): { pipeline: Pipeline } | { problem: PipelineProblem } {
  if (wanted.trim() === '') {
    const first = live(pipelines)[0];
    if (first) return { pipeline: first };
    const message = pipelines.length === 0 ? 'HubSpot has no ticket pipeline' : `every ticket pipeline in HubSpot is archived (archived: ${pipelines.map((p) => p.label).join(', ')})`;
    return { problem: { key, message } };
  }
  const found = lookup(pipelines, wanted);
  if (found.kind === 'found') return { pipeline: found.item };
  const what = found.kind === 'archived' ? 'is archived in HubSpot' : 'does not exist in HubSpot';
  return { problem: { key, message: `pipeline '${wanted}' ${what} ${listed('pipelines', pipelines)}` } };
}

function pickStage(pipeline: Pipeline, state: ConversationState, wanted: string, key: string): { stage: PipelineStage } | { problem: PipelineProblem } {
  const stages = pipeline.stages;
  const where = `pipeline '${pipeline.label}'`;
  if (wanted.trim() === '') {
    const closed = state === 'closed';
    const first = live(stages).find((stage) => isClosedStage(stage) === closed);
    if (first) return { stage: first };
    const kind = closed ? 'closed' : 'open';
    return { problem: { key, message: `no stage is set and ${where} has no ${kind} stage to default to; name the stage for ${state} conversations ${listed('stages', stages)}` } };
  }
  const found = lookup(stages, wanted);
  if (found.kind === 'found') return { stage: found.item };
  const what = found.kind === 'archived' ? 'is archived in' : 'does not exist in';
  return { problem: { key, message: `stage '${wanted}' ${what} ${where} ${listed('stages', stages)}` } };
}

/**
 * Resolves the pipeline and one stage per conversation state, reporting every problem at once
 * (a pipeline problem hides the stage checks: stages are only meaningful within a pipeline).
 *
 * A state mapped to a stage whose HubSpot open/closed flag differs from it (closed conversations
 * to an open "Resolved" stage, say) is allowed: teams model their own workflow, and HubSpot's flag
 * only drives its reports. The mapped closed stage then counts as closed (closedStageIds) for the
 * sync back to Intercom and anything else that asks whether a ticket is closed, because the user
 * said that is where closed conversations go.
 */
export function resolvePipeline(pipelines: readonly Pipeline[], settings: TicketSettings, keyPrefix: string): PipelineResolution {
  const picked = pickPipeline(pipelines, settings.pipeline, `${keyPrefix}.pipeline`);
  if ('problem' in picked) return { ok: false, problems: [picked.problem] };
  const pipeline = picked.pipeline;

  const problems: PipelineProblem[] = [];
  const stages: Partial<Record<ConversationState, ResolvedStage>> = {};
  for (const state of CONVERSATION_STATES) {
    const result = pickStage(pipeline, state, settings.stages[state], `${keyPrefix}.stages.${state}`);
    if ('problem' in result) problems.push(result.problem);
    else stages[state] = { id: result.stage.id, label: result.stage.label, closed: isClosedStage(result.stage) };
  }
  if (!isComplete(stages) || problems.length > 0) return { ok: false, problems };

  // Archived stages too: a ticket left in one still reports that stage's id.
  const closedStageIds = new Set(pipeline.stages.filter(isClosedStage).map((stage) => stage.id));
  closedStageIds.add(stages.closed.id);
  return { ok: true, resolved: { pipelineId: pipeline.id, pipelineLabel: pipeline.label, stages, closedStageIds } };
}

function isComplete(stages: Partial<Record<ConversationState, ResolvedStage>>): stages is Record<ConversationState, ResolvedStage> {
  return CONVERSATION_STATES.every((state) => stages[state] !== undefined);
}
