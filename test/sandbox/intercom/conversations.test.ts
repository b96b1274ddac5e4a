import t from 'tap';
import { startHarness, T0 } from './helpers.ts';

t.test('a customer conversation through its life: state, waiting_since, statistics, updated_at', async (t) => {
  const h = await startHarness(t);
  const clock = { advance: (s: number) => h.sim.control.clock.advance(s * 1000) };
  const jane = h.sim.control.contacts.create(h.workspaceId, { email: 'jane@customer.test', name: 'Jane', externalId: 'crm-1' });
  const started = h.sim.control.actAsCustomer.startConversation({ contactId: String(jane.id), body: '<p>I need support</p>', subject: 'Help' });
  const id = String(started.id);
  const t0 = T0 / 1000;

  let got = await h.api('GET', `/conversations/${id}`);
  t.equal(got.status, 200);
  t.match(got.body, { type: 'conversation', id, state: 'open', open: true, waiting_since: t0, created_at: t0, updated_at: t0, read: false, admin_assignee_id: null });
  t.match(got.body.source, { type: 'conversation', delivered_as: 'customer_initiated', subject: 'Help', body: '<p>I need support</p>', author: { type: 'user', id: jane.id, email: 'jane@customer.test' } });
  t.same(got.body.contacts, { type: 'contact.list', contacts: [{ type: 'contact', id: jane.id, external_id: 'crm-1' }] });
  t.same(got.body.conversation_parts, { type: 'conversation_part.list', conversation_parts: [], total_count: 0 });
  t.same(got.body.teammates, { type: 'admin.list', admins: [] }, 'teammates.admins on the wire (GH220)');
  t.match(got.body.statistics, { first_contact_reply_at: t0, last_contact_reply_at: t0, first_admin_reply_at: null, count_conversation_parts: 0 });

  clock.advance(120);
  let r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'assignment', type: 'admin', admin_id: h.adminId, assignee_id: h.adminId });
  t.equal(r.status, 200);
  t.equal(r.body.admin_assignee_id, Number(h.adminId), 'admin_assignee_id is an integer');
  t.equal(r.body.conversation_parts.total_count, 1, 'the answer carries the new part only (S14 examples)');
  t.match(r.body.conversation_parts.conversation_parts[0], { part_type: 'assignment', assigned_to: { type: 'admin', id: h.adminId }, author: { type: 'admin', id: h.adminId } });

  clock.advance(60);
  r = await h.api('POST', `/conversations/${id}/reply`, { message_type: 'comment', type: 'admin', admin_id: h.adminId, body: '<p>On it</p>' });
  t.equal(r.status, 200);
  t.equal(r.body.waiting_since, null, 'an admin reply ends the wait');
  t.equal(r.body.updated_at, t0 + 180);
  t.match(r.body.statistics, { time_to_admin_reply: 180, time_to_assignment: 120, median_time_to_reply: 180, first_admin_reply_at: t0 + 180, last_assignment_admin_reply_at: t0 + 180, count_assignments: 1 });
  t.same(r.body.teammates.admins, [{ type: 'admin', id: h.adminId }]);

  clock.advance(10);
  r = await h.api('POST', `/conversations/${id}/reply`, { message_type: 'note', type: 'admin', admin_id: h.adminId, body: '<p>internal</p>' });
  t.equal(r.body.conversation_parts.conversation_parts[0].part_type, 'note');

  clock.advance(10);
  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'close', type: 'admin', admin_id: Number(h.adminId), body: 'Closing' });
  t.match(r.body, { state: 'closed', open: false, updated_at: t0 + 200 });
  t.match(r.body.statistics, { first_close_at: t0 + 200, last_close_at: t0 + 200, time_to_first_close: 200, last_closed_by_id: h.adminId, count_reopens: 0 });
  t.equal(r.body.conversation_parts.conversation_parts[0].state, 'closed');

  clock.advance(30);
  h.sim.control.actAsCustomer.reply({ conversationId: id, body: 'one more thing' });
  got = await h.api('GET', `/conversations/${id}`);
  t.match(got.body, { state: 'open', waiting_since: t0 + 230, updated_at: t0 + 230 });
  t.equal(got.body.statistics.count_reopens, 1, 'a customer reply reopens a closed conversation');

  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'snoozed', admin_id: h.adminId, snoozed_until: t0 + 3600 });
  t.match(r.body, { state: 'snoozed', open: true, snoozed_until: t0 + 3600 });
  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'open', admin_id: h.adminId });
  t.match(r.body, { state: 'open', snoozed_until: null });
  t.equal(r.body.conversation_parts.conversation_parts[0].part_type, 'unsnoozed');

  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'snoozed', admin_id: h.adminId, snoozed_until: t0 + 600 });
  clock.advance(600);
  got = await h.api('GET', `/conversations/${id}`);
  t.match(got.body, { state: 'open', snoozed_until: null });
  t.equal(got.body.conversation_parts.conversation_parts.at(-1).part_type, 'timer_unsnooze', 'a snooze ends by itself');
  t.same(
    got.body.conversation_parts.conversation_parts.map((p: { part_type: string }) => p.part_type),
    ['assignment', 'comment', 'note', 'close', 'comment', 'snoozed', 'unsnoozed', 'snoozed', 'timer_unsnooze'],
    'parts oldest first',
  );
  t.equal(got.body.statistics.count_conversation_parts, 9);
});

t.test('GET returns the 500 most recent parts; the statistics keep the true count', async (t) => {
  const h = await startHarness(t);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'long@customer.test' });
  const id = String(h.sim.control.actAsCustomer.startConversation({ contactId: String(contact.id), body: 'start' }).id);
  for (let i = 1; i <= 520; i++) {
    if (i % 2) h.sim.control.actAsCustomer.reply({ conversationId: id, body: `c${i}` });
    else h.sim.control.actAsAdmin.reply({ conversationId: id, body: `a${i}` });
  }
  const got = await h.api('GET', `/conversations/${id}`);
  t.equal(got.body.conversation_parts.total_count, 500);
  t.equal(got.body.conversation_parts.conversation_parts.length, 500);
  t.equal(got.body.conversation_parts.conversation_parts[0].body, 'c21', 'the oldest 20 are cut');
  t.equal(got.body.conversation_parts.conversation_parts[499].body, 'a520');
  t.equal(got.body.statistics.count_conversation_parts, 520);
});

t.test('search: query language, cursor paging, no parts, sort', async (t) => {
  const h = await startHarness(t);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'many@customer.test' });
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    h.sim.control.clock.advance(1000);
    ids.push(String(h.sim.control.actAsCustomer.startConversation({ contactId: String(contact.id), body: `question ${i}` }).id));
  }
  h.sim.control.actAsAdmin.close({ conversationId: ids[0] as string });
  const since = T0 / 1000;
  const seen: string[] = [];
  let startingAfter: string | undefined;
  let pages = 0;
  do {
    const r = await h.api('POST', '/conversations/search', {
      query: { operator: 'AND', value: [{ field: 'updated_at', operator: '>', value: since }, { field: 'state', operator: 'IN', value: ['open', 'snoozed'] }] },
      pagination: { per_page: 2, ...(startingAfter ? { starting_after: startingAfter } : {}) },
      sort: { field: 'updated_at', order: 'ascending' },
    });
    t.equal(r.status, 200);
    t.equal(r.body.type, 'conversation.list');
    t.equal(r.body.total_count, 6);
    for (const c of r.body.conversations) {
      t.notOk('conversation_parts' in c, 'search results carry no parts');
      seen.push(c.id);
    }
    pages += 1;
    t.equal(r.body.pages.page, pages);
    startingAfter = r.body.pages.next?.starting_after;
  } while (startingAfter);
  t.equal(pages, 3);
  t.same(seen, ids.slice(1), 'every open conversation once, oldest first');

  const bad = await h.api('POST', '/conversations/search', { query: { field: 'updated_at', operator: '>', value: 'yesterday' } });
  t.equal(bad.status, 400);
  t.match(bad.body, { type: 'error.list', errors: [{ code: 'parameter_invalid' }] });
  const unknown = await h.api('POST', '/conversations/search', { query: { field: 'mood', operator: '=', value: 'x' } });
  t.match(unknown.body.errors[0], { code: 'invalid_field' });
  const missing = await h.api('POST', '/conversations/search', {});
  t.equal(missing.status, 400);

  const list = await h.api('GET', '/conversations?per_page=5');
  t.equal(list.body.conversations.length, 5);
  t.equal(list.body.pages.per_page, 5);
  t.ok(list.body.pages.next.starting_after);
});

t.test('search respects the indexing delay', async (t) => {
  const h = await startHarness(t, { indexDelaySeconds: 60 });
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'new@customer.test' });
  h.sim.control.actAsCustomer.startConversation({ contactId: String(contact.id), body: 'hi' });
  const query = { query: { field: 'state', operator: '=', value: 'open' } };
  t.equal((await h.api('POST', '/conversations/search', query)).body.total_count, 0);
  h.sim.control.clock.advance(60_000);
  t.equal((await h.api('POST', '/conversations/search', query)).body.total_count, 1);
});

t.test('reply and parts errors in Intercom shape', async (t) => {
  const h = await startHarness(t);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'x@customer.test', externalId: 'ext-9' });
  const id = String(h.sim.control.actAsCustomer.startConversation({ contactId: String(contact.id), body: 'hi' }).id);

  let r = await h.api('GET', '/conversations/999');
  t.equal(r.status, 404);
  t.match(r.body, { type: 'error.list', request_id: /^[0-9a-f-]{36}$/, errors: [{ code: 'not_found', message: 'Conversation not found' }] });
  r = await h.api('POST', `/conversations/${id}/reply`, { message_type: 'comment', type: 'admin', admin_id: h.adminId });
  t.match(r, { status: 400, body: { errors: [{ code: 'parameter_invalid', message: 'Body is required' }] } });
  r = await h.api('POST', `/conversations/${id}/reply`, { message_type: 'shout', type: 'admin', admin_id: h.adminId, body: 'x' });
  t.match(r, { status: 400, body: { errors: [{ code: 'parameter_invalid' }] } });
  r = await h.api('POST', `/conversations/${id}/reply`, { message_type: 'comment', type: 'admin', admin_id: '1', body: 'x' });
  t.match(r, { status: 404, body: { errors: [{ code: 'admin_not_found' }] } });
  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'assignment', type: 'admin', admin_id: h.adminId, assignee_id: '42' });
  t.match(r, { status: 404, body: { errors: [{ code: 'assignee_not_found' }] } });
  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'snoozed', admin_id: h.adminId });
  t.equal(r.status, 400);
  r = await h.api('POST', `/conversations/${id}/reply`, '{not json' as unknown as object);
  t.equal(r.status, 400);

  const seatless = h.sim.control.admins.create(h.workspaceId, { name: 'Viewer', hasInboxSeat: false });
  r = await h.api('POST', `/conversations/${id}/parts`, { message_type: 'close', type: 'admin', admin_id: seatless.id });
  t.match(r, { status: 405, body: { errors: [{ code: 'action_forbidden' }] } });

  r = await h.api('POST', `/conversations/last/reply`, { message_type: 'comment', type: 'user', user_id: 'ext-9', body: 'again' });
  t.equal(r.status, 200, 'reply to the contact\'s last conversation');
  t.equal(r.body.id, id);
  r = await h.api('POST', `/conversations/${id}/reply`, { message_type: 'comment', type: 'user', email: 'nobody@x.test', body: 'x' });
  t.match(r, { status: 404, body: { errors: [{ code: 'not_found', message: 'User Not Found' }] } });

  h.sim.control.workspaces.setPlanRestricted(h.workspaceId, true);
  r = await h.api('GET', `/conversations/${id}`);
  t.match(r, { status: 403, body: { errors: [{ code: 'api_plan_restricted', message: 'Active subscription needed.' }] } });
});

t.test('display_as=plaintext strips the HTML of part bodies', async (t) => {
  const h = await startHarness(t);
  const contact = h.sim.control.contacts.create(h.workspaceId, { email: 'p@customer.test' });
  const id = String(h.sim.control.actAsCustomer.startConversation({ contactId: String(contact.id), body: 'hi' }).id);
  h.sim.control.actAsAdmin.reply({ conversationId: id, body: '<p>Hello <b>there</b></p>' });
  const r = await h.api('GET', `/conversations/${id}?display_as=plaintext`);
  t.equal(r.body.conversation_parts.conversation_parts[0].body, 'Hello there');
});
