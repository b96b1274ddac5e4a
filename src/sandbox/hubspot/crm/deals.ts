// Deals (object type 0-3): the default sales pipeline, the pipeline/stage check on writes, and the
// two values HubSpot calculates from the stage, hs_is_closed and hs_is_closed_won.
//
// - The default pipeline is "default" ("Sales Pipeline") with HubSpot's seven default stages and
//   their win probabilities: appointmentscheduled 0.2, qualifiedtobuy 0.4, presentationscheduled 0.6,
//   decisionmakerboughtin 0.8, contractsent 0.9, closedwon 1.0 (closed), closedlost 0.0 (closed)
//   (knowledge.hubspot.com "Set up and customize your deal pipelines and deal stages"; the ids as
//   GET /crm/v3/pipelines/deals returns them in many public clients, [2ND]). Deal stage metadata
//   carries `probability` ("0.0"–"1.0", required for deals) and `isClosed` (hubspot-api.md §14.2).
// - A deal's stage must be a stage of its pipeline; the pipeline defaults to "default" when a
//   create omits it (deals guide: "If a pipeline isn't specified, the default pipeline will be
//   used"). dealstage is required on create (the Deals API overview: "The dealstage property is
//   required when creating a deal"; the 400's text is the one captured for other types, UNCONFIRMED).
// - hs_is_closed is true when the stage's metadata says isClosed; hs_is_closed_won when it is closed
//   with probability 1.0 (HubSpot's "Is Closed Won" calculated property: a closed won stage is the
//   closed stage at 100%). HubSpot writes them itself, so they change as CALCULATED, with webhooks.
import { invalidProperties } from './validate.ts';
import { CALCULATED_SOURCE } from './history.ts';
import { commitUpdate, type Ctx, type InlineAssociation } from './records.ts';
import { OBJECT_TYPES } from './types.ts';
import type { CrmRecord, Pipeline, PipelineStage, Portal } from '../state.ts';

export const DEFAULT_DEAL_PIPELINE = 'default';

function dealStage(id: string, label: string, displayOrder: number, probability: string, isClosed: boolean): PipelineStage {
  return {
    id, label, displayOrder, archived: false, createdAt: 0, updatedAt: 0, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
    metadata: { isClosed: String(isClosed), probability },
  };
}

/** HubSpot's default deal pipeline; default pipelines report createdAt = epoch 0 [SPEC:pipelines Pipeline.createdAt]. */
export function defaultDealPipeline(): Pipeline {
  return {
    id: DEFAULT_DEAL_PIPELINE, label: 'Sales Pipeline', displayOrder: 0, archived: false, createdAt: 0, updatedAt: 0,
    stages: [
      dealStage('appointmentscheduled', 'Appointment Scheduled', 0, '0.2', false),
      dealStage('qualifiedtobuy', 'Qualified To Buy', 1, '0.4', false),
      dealStage('presentationscheduled', 'Presentation Scheduled', 2, '0.6', false),
      dealStage('decisionmakerboughtin', 'Decision Maker Bought-In', 3, '0.8', false),
      dealStage('contractsent', 'Contract Sent', 4, '0.9', false),
      dealStage('closedwon', 'Closed Won', 5, '1.0', true),
      dealStage('closedlost', 'Closed Lost', 6, '0.0', true),
    ],
  };
}

/** The deal's required properties that a create lacks. */
export function missingDealProperties(properties: Record<string, string>): string[] {
  return properties.dealstage ? [] : ['dealstage'];
}

/** A deal write's pipeline and stage, against the record's current ones: 400 INVALID_OPTION when the stage is not the pipeline's. */
export function checkDealStage(ctx: Ctx, props: Record<string, string>, current: Record<string, string> = {}): void {
  const pipelineId = props.pipeline ?? current.pipeline ?? DEFAULT_DEAL_PIPELINE;
  const stageId = props.dealstage ?? current.dealstage;
  const pipeline = ctx.portal.dealPipelines.get(pipelineId);
  if (!pipeline || pipeline.archived) {
    throw invalidProperties(ctx.portal, [{ name: 'pipeline', code: 'INVALID_OPTION', message: `${pipelineId} was not one of the allowed options: deal pipeline ids`, value: pipelineId }]);
  }
  if (stageId !== undefined && !pipeline.stages.some((s) => s.id === stageId && !s.archived)) {
    throw invalidProperties(ctx.portal, [{ name: 'dealstage', code: 'INVALID_OPTION', message: `${stageId} was not one of the allowed options: stages of deal pipeline ${pipelineId}`, value: stageId }]);
  }
}

function stageOf(portal: Portal, record: CrmRecord): PipelineStage | undefined {
  const pipeline = portal.dealPipelines.get(record.properties.pipeline ?? DEFAULT_DEAL_PIPELINE);
  return pipeline?.stages.find((s) => s.id === record.properties.dealstage);
}

/** hs_is_closed and hs_is_closed_won for the deal's stage ("false" both without a known stage). */
function closedState(portal: Portal, record: CrmRecord): { hs_is_closed: string; hs_is_closed_won: string } {
  const stage = stageOf(portal, record);
  const closed = stage?.metadata.isClosed === 'true';
  const won = closed && Number(stage?.metadata.probability) === 1;
  return { hs_is_closed: String(closed), hs_is_closed_won: String(won) };
}

/** After a deal's write: HubSpot recalculates the closed flags; only a change is written (so this settles). */
export function settleDeal(ctx: Ctx, record: CrmRecord): void {
  if (record.archived) return;
  const calculated = closedState(ctx.portal, record);
  const changed = Object.fromEntries(Object.entries(calculated).filter(([name, value]) => record.properties[name] !== value));
  if (Object.keys(changed).length === 0) return;
  commitUpdate({ ...ctx, source: CALCULATED_SOURCE }, OBJECT_TYPES.deals, record, changed);
}

/** Inline associations for a deal on contacts and companies, with the default types deal→contact 3 and deal→company 341. */
export function dealAssociations(input: { contactIds?: readonly string[]; companyIds?: readonly string[] }): InlineAssociation[] {
  const to = (ids: readonly string[] | undefined, associationTypeId: number) =>
    (ids ?? []).map((id) => ({ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId }] }));
  return [...to(input.contactIds, 3), ...to(input.companyIds, 341)];
}
