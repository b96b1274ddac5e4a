// Pipeline and stage settings against HubSpot's pipelines: by id, by label, defaults, archived,
// and problems that name the key, the value and what exists — all of them at once.
import t from 'tap';
import { ConnectionSettings, type TicketSettings } from '../../src/config/connection-settings.ts';
import type { Pipeline, PipelineStage } from '../../src/integrations/hubspot/schemas.ts';
import { isClosedStage, resolvePipeline, type ResolvedPipeline } from '../../src/tickets/resolve-pipeline.ts';

const stage = (id: string, label: string, displayOrder: number, state: 'OPEN' | 'CLOSED', extra: Partial<PipelineStage> = {}): PipelineStage => ({
  id, label, displayOrder, archived: false, metadata: { ticketState: state }, ...extra,
});

/** HubSpot's default pipeline (hubspot-api.md §8), stages listed out of display order on purpose. */
const support = (): Pipeline => ({
  id: '0',
  label: 'Support Pipeline',
  displayOrder: 0,
  archived: false,
  stages: [stage('4', 'Closed', 3, 'CLOSED'), stage('2', 'Waiting on contact', 1, 'OPEN'), stage('1', 'New', 0, 'OPEN'), stage('3', 'Waiting on us', 2, 'OPEN')],
});

const billing = (): Pipeline => ({
  id: '77',
  label: 'Billing',
  displayOrder: 1,
  archived: false,
  stages: [stage('10', 'Inbox', 0, 'OPEN'), stage('11', 'Done', 1, 'CLOSED'), stage('12', 'Refunded', 2, 'CLOSED')],
});

const settings = (tickets: Record<string, unknown> = {}): TicketSettings => ConnectionSettings.parse({ tickets }).tickets;

function resolved(pipelines: readonly Pipeline[], tickets: Record<string, unknown> = {}): ResolvedPipeline {
  const result = resolvePipeline(pipelines, settings(tickets), 'tickets');
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.resolved;
}

function problems(pipelines: readonly Pipeline[], tickets: Record<string, unknown>, prefix = 'tickets') {
  const result = resolvePipeline(pipelines, settings(tickets), prefix);
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

t.test('defaults: the first pipeline, its first open stage, its first closed stage', async (t) => {
  const r = resolved([billing(), support()]);
  t.equal(r.pipelineId, '0');
  t.equal(r.pipelineLabel, 'Support Pipeline');
  t.same(r.stages, {
    open: { id: '1', label: 'New', closed: false },
    snoozed: { id: '1', label: 'New', closed: false },
    closed: { id: '4', label: 'Closed', closed: true },
    reopened: { id: '1', label: 'New', closed: false },
  });
  t.same([...r.closedStageIds], ['4']);
});

t.test('the default pipeline skips archived ones and goes by displayOrder', async (t) => {
  const old = { ...support(), id: '5', label: 'Old', displayOrder: -1, archived: true };
  t.equal(resolved([billing(), old, support()]).pipelineId, '0');
  t.equal(resolved([{ ...billing(), displayOrder: -2 }, support()]).pipelineId, '77');
});

t.test('pipeline by id, then by label (trimmed, any case)', async (t) => {
  t.equal(resolved([support(), billing()], { pipeline: '77' }).pipelineId, '77');
  t.equal(resolved([support(), billing()], { pipeline: '  billing ' }).pipelineId, '77');
  const numeric = { ...billing(), label: '0' };
  t.equal(resolved([numeric, support()], { pipeline: '0' }).pipelineId, '0', "an id wins over another pipeline's label");
});

t.test('stages by id or label; each state on its own', async (t) => {
  const r = resolved([support(), billing()], {
    pipeline: 'Billing',
    stages: { open: '10', snoozed: 'inbox', closed: ' REFUNDED ', reopened: '' },
  });
  t.same(r.stages.open, { id: '10', label: 'Inbox', closed: false });
  t.same(r.stages.snoozed, { id: '10', label: 'Inbox', closed: false });
  t.same(r.stages.closed, { id: '12', label: 'Refunded', closed: true });
  t.same(r.stages.reopened, { id: '10', label: 'Inbox', closed: false }, 'empty: the first open stage');
  t.same([...r.closedStageIds].sort(), ['11', '12']);

  const s = resolved([support()], { stages: { snoozed: 'Waiting on contact', reopened: 'Waiting on us' } });
  t.equal(s.stages.open.id, '1');
  t.equal(s.stages.snoozed.id, '2');
  t.equal(s.stages.reopened.id, '3');
  t.equal(s.stages.closed.id, '4');
});

t.test('a default stage skips archived stages', async (t) => {
  const p = support();
  p.stages.push(stage('0', 'Triage', -1, 'OPEN', { archived: true }), stage('9', 'Closed long ago', -1, 'CLOSED', { archived: true }));
  const r = resolved([p]);
  t.equal(r.stages.open.id, '1');
  t.equal(r.stages.closed.id, '4');
  t.ok(r.closedStageIds.has('9'), "a ticket left in an archived closed stage still reads as closed");
});

t.test('closed mapped to an open stage: allowed, and that stage counts as closed', async (t) => {
  const r = resolved([support()], { stages: { closed: 'Waiting on contact' } });
  t.same(r.stages.closed, { id: '2', label: 'Waiting on contact', closed: false });
  t.same([...r.closedStageIds].sort(), ['2', '4']);
});

t.test('isClosedStage: ticketState or isClosed', async (t) => {
  t.ok(isClosedStage(stage('1', 'a', 0, 'CLOSED')));
  t.notOk(isClosedStage(stage('1', 'a', 0, 'OPEN')));
  t.ok(isClosedStage(stage('1', 'a', 0, 'OPEN', { metadata: { isClosed: 'true' } })));
  t.notOk(isClosedStage(stage('1', 'a', 0, 'OPEN', { metadata: { isClosed: 'false' } })));
  t.notOk(isClosedStage(stage('1', 'a', 0, 'OPEN', { metadata: {} })));
});

t.test('unknown pipeline: the key, the value and the pipelines there are', async (t) => {
  t.same(problems([support(), billing()], { pipeline: 'Sales' }, 'connections[0].tickets'), [
    { key: 'connections[0].tickets.pipeline', message: "pipeline 'Sales' does not exist in HubSpot (pipelines: Support Pipeline, Billing)" },
  ]);
});

t.test('archived pipeline: never used, and said so', async (t) => {
  const old = { ...billing(), archived: true };
  t.same(problems([support(), old], { pipeline: 'Billing' }), [
    { key: 'tickets.pipeline', message: "pipeline 'Billing' is archived in HubSpot (pipelines: Support Pipeline)" },
  ]);
  t.same(problems([support(), old], { pipeline: '77' })[0]?.message, "pipeline '77' is archived in HubSpot (pipelines: Support Pipeline)");
  const live = { ...billing(), id: '78' };
  t.equal(resolved([old, live], { pipeline: 'billing' }).pipelineId, '78', 'a live namesake wins');
});

t.test('no usable pipeline for the default', async (t) => {
  t.same(problems([], {}), [{ key: 'tickets.pipeline', message: 'HubSpot has no ticket pipeline' }]);
  t.same(problems([{ ...support(), archived: true }], {}), [
    { key: 'tickets.pipeline', message: 'every ticket pipeline in HubSpot is archived (archived: Support Pipeline)' },
  ]);
});

t.test('unknown and archived stages name the pipeline and its stages', async (t) => {
  const p = support();
  p.stages.push(stage('8', 'Escalated', 5, 'OPEN', { archived: true }));
  t.same(problems([p], { stages: { closed: 'Done' } }), [
    { key: 'tickets.stages.closed', message: "stage 'Done' does not exist in pipeline 'Support Pipeline' (stages: New, Waiting on contact, Waiting on us, Closed)" },
  ]);
  t.same(problems([p], { stages: { snoozed: 'escalated' } }), [
    { key: 'tickets.stages.snoozed', message: "stage 'escalated' is archived in pipeline 'Support Pipeline' (stages: New, Waiting on contact, Waiting on us, Closed)" },
  ]);
});

t.test("a stage of another pipeline does not exist in this one", async (t) => {
  t.same(problems([support(), billing()], { stages: { open: 'Inbox' } }).map((p) => p.key), ['tickets.stages.open']);
});

t.test('no closed stage and closed left empty', async (t) => {
  const p: Pipeline = { ...support(), stages: [stage('1', 'New', 0, 'OPEN'), stage('2', 'Working', 1, 'OPEN')] };
  t.same(problems([p], {}), [
    {
      key: 'tickets.stages.closed',
      message: "no stage is set and pipeline 'Support Pipeline' has no closed stage to default to; name the stage for closed conversations (stages: New, Working)",
    },
  ]);
  t.equal(resolved([p], { stages: { closed: 'Working' } }).stages.closed.id, '2', 'naming one is enough');
});

t.test('no open stage: each state left empty is a problem', async (t) => {
  const p: Pipeline = { ...support(), stages: [stage('4', 'Closed', 0, 'CLOSED')] };
  t.same(
    problems([p], { stages: { snoozed: 'Closed' } }).map((p) => p.key),
    ['tickets.stages.open', 'tickets.stages.reopened'],
  );
  t.match(problems([p], {})[0]?.message, /has no open stage to default to; name the stage for open conversations \(stages: Closed\)/);
});

t.test('every problem at once', async (t) => {
  t.same(
    problems([support()], { stages: { open: 'Nieuw', snoozed: '2', closed: 'Done', reopened: 'Again' } }, 'connections[2].tickets').map((p) => p.key),
    ['connections[2].tickets.stages.open', 'connections[2].tickets.stages.closed', 'connections[2].tickets.stages.reopened'],
  );
});

t.test('a pipeline with no stages at all', async (t) => {
  const found = problems([{ ...support(), stages: [] }], { stages: { open: 'New' } });
  t.equal(found.length, 4);
  t.equal(found[0]?.message, "stage 'New' does not exist in pipeline 'Support Pipeline' (stages: none)");
});
