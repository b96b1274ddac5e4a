// The Inbox app's pure parts: the Canvas Kit signature, the size bound, and the budget check.
import { createHmac } from 'node:crypto';
import t from 'tap';
import { CANVAS_LIMIT_BYTES, canvasResponse, clip, type Component } from '../../src/canvas/canvas-components.ts';
import { contactOf, conversationIdOf, InitializeRequest, inputValue, storedDataOf, SubmitRequest } from '../../src/canvas/canvas-request.ts';
import { findCanvasSigner } from '../../src/canvas/canvas-signature.ts';
import { hubspotWaitMs } from '../../src/canvas/hubspot-busy.ts';
import type { PortalBudgetSnapshot } from '../../src/integrations/hubspot/rate-plan.ts';

t.test('the signature is the hex HMAC-SHA256 of the raw body with the app secret; any of several apps, none when it does not match', async (t) => {
  const raw = Buffer.from('{"workspace_id":"abc","admin":{"id":"1"}}');
  const secrets = [{ clientSecret: 'first', connectionId: null }, { clientSecret: 'second', connectionId: 'c2' }];
  const hex = (secret: string) => createHmac('sha256', secret).update(raw).digest('hex');
  t.equal(findCanvasSigner(raw, hex('second'), secrets)?.connectionId, 'c2');
  t.equal(findCanvasSigner(raw, hex('first').toUpperCase(), secrets)?.connectionId, null, 'hex case does not matter');
  t.equal(findCanvasSigner(raw, hex('third'), secrets), undefined);
  t.equal(findCanvasSigner(raw, undefined, secrets), undefined, 'no header');
  t.equal(findCanvasSigner(raw, `sha256=${hex('first')}`, secrets), undefined, 'no prefix is expected');
  t.equal(findCanvasSigner(raw, createHmac('sha256', '').update(raw).digest('hex'), [{ clientSecret: '' }]), undefined, 'an empty secret signs nothing');
});

t.test('a canvas over the limit has its longest lists cut and says so; never over the limit, ids unique', async (t) => {
  const items = Array.from({ length: 2000 }, (_, i) => ({ type: 'item' as const, id: `deal:${i}`, title: 'x'.repeat(150), subtitle: 'stage' }));
  const components: Component[] = [
    { type: 'text', text: 'Ada Lovelace', style: 'header' },
    { type: 'list', items },
    { type: 'button', id: 'refresh', label: 'Refresh', action: { type: 'submit' } },
  ];
  const answer = canvasResponse(components, { conversationId: '1' });
  const size = Buffer.byteLength(JSON.stringify(answer.canvas.content));
  t.ok(size <= CANVAS_LIMIT_BYTES, `${size} bytes`);
  const list = answer.canvas.content.components.find((c) => c.type === 'list');
  t.ok(list && list.type === 'list' && list.items.length < 2000 && list.items.length > 100, 'the list is cut, not dropped');
  t.match(answer.canvas.content.components.find((c) => c.type === 'text' && /more not shown/.test(c.text)), { style: 'muted' }, 'says how many were left out');
  t.equal(answer.canvas.content.components.at(-1)?.type, 'button', 'the buttons after the list stay');
  t.equal(items.length, 2000, 'the input is not changed');

  const small = canvasResponse(components.slice(0, 1), {});
  t.same(small.canvas.content.components, components.slice(0, 1), 'a small canvas is left as it is');

  const huge: Component[] = Array.from({ length: 200 }, (_, i) => ({ type: 'text', text: 'y'.repeat(1000), id: `t${i}` }));
  const cut = canvasResponse(huge, {});
  t.ok(Buffer.byteLength(JSON.stringify(cut.canvas.content)) <= CANVAS_LIMIT_BYTES, 'with nothing to shorten, components are dropped');
  t.match(cut.canvas.content.components.at(-1), { type: 'text', text: /left out to stay within/ });
});

t.test('values are clipped to one short line', async (t) => {
  t.equal(clip('  a\n\nb  '), 'a b');
  t.equal(clip('z'.repeat(65_536)).length, 200);
  t.equal(clip(null), '');
});

const window = (over: Partial<PortalBudgetSnapshot['burst']> = {}): PortalBudgetSnapshot['burst'] => ({ limit: 100, windowMs: 10_400, available: 100, waiting: 0, freesAt: null, pausedUntil: null, ...over });
const snapshot = (over: Partial<PortalBudgetSnapshot> = {}): PortalBudgetSnapshot => ({
  portalId: '1', auth: 'static', burst: window(), search: window({ limit: 5, available: 5, windowMs: 1_130 }), daily: { limit: 1000, remaining: 1000, resetsAt: 90_000 }, refused: { standard: 0, search: 0, daily: 0 }, ...over,
});

t.test('HubSpot is busy when the budget has no room for what an open needs', async (t) => {
  const now = 10_000;
  t.equal(hubspotWaitMs(snapshot(), now, { calls: 6 }), null, 'room: no wait');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ pausedUntil: now + 30_000 }) }), now, { calls: 6 }), 30_000, 'paused after a 429');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ available: 3, freesAt: now + 4_000 }) }), now, { calls: 6 }), 4_000, 'too few calls left in the window');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ waiting: 2, available: 0, freesAt: now + 1_000 }) }), now, { calls: 1 }), 1_000, 'others already queue');
  t.equal(hubspotWaitMs(snapshot({ daily: { limit: 1000, remaining: 2, resetsAt: now + 50_000 } }), now, { calls: 6 }), 50_000, 'the daily quota is spent');
  t.equal(hubspotWaitMs(snapshot({ daily: null }), now, { calls: 6 }), null, 'OAuth clients have no daily quota');
  t.equal(hubspotWaitMs(snapshot({ search: window({ limit: 5, available: 0, freesAt: now + 500, windowMs: 1_130 }) }), now, { calls: 1, searches: 1 }), 500, 'a search needs the search window');
  t.equal(hubspotWaitMs(snapshot({ search: window({ limit: 5, available: 0, freesAt: now + 500, windowMs: 1_130 }) }), now, { calls: 1 }), null, 'which an open does not use');
});

t.test('callers queueing on the budget make it busy only when the free slots cannot cover them and the open too', async (t) => {
  // a3ce609: on PostgreSQL a caller "waits" while it takes its slot in a transaction, with the window
  // nearly empty; counted as a full window, it made the card say "HubSpot is busy" for nothing.
  const now = 10_000;
  t.equal(hubspotWaitMs(snapshot({ burst: window({ waiting: 1, available: 100 }) }), now, { calls: 8 }), null, 'one caller queueing, a window of room: not busy');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ waiting: 3, available: 10, freesAt: now + 2_500 }) }), now, { calls: 7 }), null, 'room for exactly the queued callers and the open: not busy');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ waiting: 4, available: 10, freesAt: now + 2_500 }) }), now, { calls: 7 }), 2_500, 'one call more than the room: busy until a slot frees');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ waiting: 5, available: 10, freesAt: null }) }), now, { calls: 7 }), 10_400, 'no slot known to free: a whole window');
  t.equal(hubspotWaitMs(snapshot({ burst: window({ waiting: 5, available: 10, freesAt: now - 1 }) }), now, { calls: 7 }), 10_400, 'a slot that should have freed already: a whole window, never 0');
  t.equal(
    hubspotWaitMs(snapshot({ search: window({ limit: 5, available: 1, waiting: 1, freesAt: now + 300, windowMs: 1_130 }) }), now, { calls: 1, searches: 1 }),
    300,
    'the search window counts its own queue',
  );
  t.equal(hubspotWaitMs(snapshot({ search: window({ limit: 5, available: 0, waiting: 9, windowMs: 1_130 }) }), now, { calls: 8 }), null, 'a queue on a window the open does not use does not matter');
});

t.test('requests: ids as numbers or strings, the contact or the customer, odd optional fields read as absent', async (t) => {
  const parsed = InitializeRequest.parse({
    workspace_id: 'ws1', admin: { id: 42, name: 'Ana' }, context: { location: 'conversation', conversation_id: 1234567890, locale: 'en' },
    customer: { id: 'c1', role: 'user', email: 'a@b.test', phone: 4917612345 }, card_creation_options: {},
  });
  t.equal(parsed.admin.id, '42');
  t.equal(conversationIdOf(parsed), '1234567890');
  t.match(contactOf(parsed), { id: 'c1', email: 'a@b.test', phone: null });
  t.equal(conversationIdOf(InitializeRequest.parse({ workspace_id: 'ws1', admin: { id: '1' } }), { conversationId: '77' }), '77', 'else what the canvas stored');
  t.notOk(InitializeRequest.safeParse({ workspace_id: 'ws1' }).success, 'the teammate is required');
  t.notOk(InitializeRequest.safeParse({ admin: { id: '1' } }).success, 'and the workspace');
  const submit = SubmitRequest.parse({ workspace_id: 'ws1', admin: { id: '1' }, component_id: 'ticket_search', input_values: { ticket_query: '  refund  ', n: 5 } });
  t.equal(inputValue(submit, 'ticket_query'), 'refund');
  t.equal(inputValue(submit, 'n'), '5');
  t.equal(inputValue(submit, 'absent'), '');
  t.notOk(SubmitRequest.safeParse({ workspace_id: 'ws1', admin: { id: '1' } }).success, 'a submit names its component');
});

t.test("a submit's stored_data is read from current_canvas, where Intercom sends it, not from the top level", async (t) => {
  const base = { workspace_id: 'ws1', admin: { id: '1' }, component_id: 'refresh' };
  t.same(storedDataOf(SubmitRequest.parse({ ...base, current_canvas: { content: { components: [] }, stored_data: { conversationId: '77', contactId: 'c9' } } })), { conversationId: '77', contactId: 'c9' }, 'current_canvas.stored_data (the reference)');
  t.same(storedDataOf(SubmitRequest.parse({ ...base, current_canvas: { current_canvas: { content: { components: [] }, stored_data: { conversationId: '78' } } } })), { conversationId: '78' }, 'current_canvas.current_canvas.stored_data (the generated SDK type)');
  t.same(storedDataOf(SubmitRequest.parse({ ...base, stored_data: { conversationId: '79' } })), {}, 'a top-level stored_data is no part of the request');
  t.same(storedDataOf(SubmitRequest.parse({ ...base, current_canvas: { stored_data: { conversationId: 5 } } })), {}, 'a stored_data of another shape reads as none');
  t.same(storedDataOf(SubmitRequest.parse(base)), {}, 'no current_canvas');
  t.equal(conversationIdOf(SubmitRequest.parse({ ...base, current_canvas: { stored_data: { conversationId: '77' } } }), storedDataOf(SubmitRequest.parse({ ...base, current_canvas: { stored_data: { conversationId: '77' } } }))), '77');
});
