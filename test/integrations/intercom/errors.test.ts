// describeIntercomError on Intercom's error.list bodies (intercom-api.md §5.2–5.4) and the query checks.
import t from 'tap';
import { describeIntercomError } from '../../../src/integrations/intercom/errors.ts';
import { searchQueryProblem } from '../../../src/integrations/intercom/search-query.ts';

const body = (code: string, message = 'm') => ({ type: 'error.list', request_id: 'req-1', errors: [{ code, message }] });

t.test('error.list: code, message, request id', async (t) => {
  t.same(describeIntercomError(404, {}, body('company_not_found', 'Company Not Found')), { code: 'company_not_found', vendorMessage: 'Company Not Found', requestId: 'req-1' }, 'no kind: the status decides');
  t.same(describeIntercomError(500, { 'x-request-id': 'hdr-9' }, { unparsed: '<html>' }), { requestId: 'hdr-9' }, 'X-Request-Id when the body has none');
});

t.test('re-authorisation codes, rate limits, 408', async (t) => {
  t.equal(describeIntercomError(401, {}, body('unauthorized')).kind, 'unauthorized');
  t.equal(describeIntercomError(403, {}, body('token_revoked')).kind, 'unauthorized', 'token_revoked whatever the status');
  t.equal(describeIntercomError(401, {}, undefined).kind, 'unauthorized');
  t.equal(describeIntercomError(403, {}, body('api_plan_restricted')).kind, undefined, 'a plan restriction stays forbidden');
  t.equal(describeIntercomError(400, {}, body('rate_limit_exceeded')).kind, 'rate_limited');
  t.equal(describeIntercomError(408, {}, body('request_timeout')).kind, 'server_error');
});

t.test('a survivor named by a Link header or the body is a merge', async (t) => {
  const link = describeIntercomError(404, { link: '<https://api.intercom.io/contacts/abc123>; rel="canonical"' }, body('not_found'));
  t.equal(link.kind, 'merged');
  t.equal(link.survivorId, 'abc123');
  const inBody = describeIntercomError(410, {}, { ...body('not_found'), merged_into: { type: 'contact', id: 'def456' } });
  t.equal(inBody.kind, 'merged');
  t.equal(inBody.survivorId, 'def456');
  t.equal(describeIntercomError(404, {}, body('not_found')).kind, undefined, 'a plain 404 is not_found');
});

t.test('search queries respect nesting and group size', async (t) => {
  const f = { field: 'id', operator: '=' as const, value: '1' };
  t.equal(searchQueryProblem(f), null);
  t.equal(searchQueryProblem({ operator: 'AND', value: [f, { operator: 'OR', value: [f, f] }] }), null, 'two levels are fine');
  t.match(searchQueryProblem({ operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [f] }] }] }), /nest at most 2/);
  t.match(searchQueryProblem({ operator: 'AND', value: Array.from({ length: 16 }, () => f) }), /at most 15/);
});
