// Companies (S14; intercom-api.md §4.3): get, filter/list with offset pages whose `next` is a URL,
// POST /companies/list, the scroll API (one open scroll per app, expiring after a minute unused),
// and the contacts of a company; create-or-update by company_id (POST /companies) and update by id
// (PUT /companies/{id}).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authOf } from '../auth.ts';
import type { SimCore } from '../core.ts';
import { IntercomError, parameterInvalid } from '../errors.ts';
import { offsetPage, parsePerPage } from '../paginate.ts';
import { createCompany, updateCompany } from '../people-writes.ts';
import { inWorkspace, listInWorkspace } from '../state.ts';
import type { Company } from '../types.ts';
import { companyWire, contactWire } from '../wire/people.ts';
import { parseCompanyUpdate, parseCompanyUpsert } from './people-bodies.ts';

const companyNotFound = () => new IntercomError(404, 'company_not_found', 'Company Not Found');

interface ListQuery {
  company_id?: string;
  name?: string;
  tag_id?: string;
  segment_id?: string;
  page?: string;
  per_page?: string;
  order?: string;
}

const SCROLL_PAGE = 50;
const SCROLL_TTL_SECONDS = 60;

function parsePage(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw parameterInvalid('page must be a positive integer');
  return n;
}

export function registerCompanyRoutes(app: FastifyInstance, core: SimCore, prefix: string): void {
  const { state } = core;
  const scrolls = new Map<string, { param: string; offset: number; lastUsed: number }>();

  const absolute = (request: FastifyRequest, path: string) => `${request.protocol}://${request.host}${prefix}${path}`;
  const userCount = (company: Company) => [...state.contacts.values()].filter((c) => c.mergedInto === null && c.companyIds.includes(company.id)).length;

  app.get<{ Querystring: ListQuery }>('/companies', async (request) => {
    const { workspace } = authOf(request);
    const q = request.query;
    let companies = listInWorkspace(state.companies, workspace.id);
    if (q.company_id !== undefined) companies = companies.filter((c) => c.companyId === q.company_id);
    if (q.name !== undefined) companies = companies.filter((c) => c.name === q.name);
    if (q.tag_id !== undefined) companies = companies.filter((c) => c.tagIds.includes(q.tag_id ?? ''));
    if ((q.company_id !== undefined || q.name !== undefined) && companies.length === 0) throw companyNotFound();
    const perPage = parsePerPage(q.per_page, 15);
    const page = offsetPage(companies, parsePage(q.page), perPage, (n) => absolute(request, `/companies?page=${n}&per_page=${perPage}`));
    return { type: 'list', data: page.items.map((c) => companyWire(state, c)), pages: page.pages, total_count: page.total_count };
  });

  app.post<{ Querystring: ListQuery }>('/companies/list', async (request) => {
    const { workspace } = authOf(request);
    const perPage = parsePerPage(request.query.per_page, 15);
    const sign = request.query.order === 'asc' ? 1 : -1;
    // "excludes companies with no users", sorted by last_request_at (S14 companies/list description).
    const companies = listInWorkspace(state.companies, workspace.id)
      .filter((c) => userCount(c) > 0)
      .sort((a, b) => sign * ((a.lastRequestAt ?? a.createdAt) - (b.lastRequestAt ?? b.createdAt)) || (a.id < b.id ? -1 : 1));
    const page = offsetPage(companies, parsePage(request.query.page), perPage, (n) => absolute(request, `/companies/list?page=${n}&per_page=${perPage}`));
    return { type: 'list', data: page.items.map((c) => companyWire(state, c)), pages: page.pages, total_count: page.total_count };
  });

  app.get<{ Querystring: { scroll_param?: string } }>('/companies/scroll', async (request) => {
    const { workspace, app: simApp } = authOf(request);
    const key = `${simApp.id}:${workspace.id}`;
    const now = core.nowSec();
    let scroll = scrolls.get(key);
    if (scroll && now - scroll.lastUsed > SCROLL_TTL_SECONDS) {
      scrolls.delete(key);
      scroll = undefined;
    }
    const param = request.query.scroll_param;
    if (param === undefined) {
      // "one open scroll per app" (S14 companies/scroll description); the code is the one the Ruby SDK maps.
      if (scroll) throw new IntercomError(400, 'scroll_exists', 'scroll already exists for this workspace');
      scroll = { param: core.ids.nextHex('scroll'), offset: 0, lastUsed: now };
      scrolls.set(key, scroll);
    } else if (!scroll || scroll.param !== param) {
      throw new IntercomError(404, 'not_found', 'scroll parameter not found');
    }
    const all = listInWorkspace(state.companies, workspace.id).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const items = all.slice(scroll.offset, scroll.offset + SCROLL_PAGE);
    scroll.offset += items.length;
    scroll.lastUsed = now;
    if (items.length === 0) scrolls.delete(key);
    return { type: 'list', data: items.map((c) => companyWire(state, c)), pages: null, total_count: null, scroll_param: scroll.param };
  });

  // "looked up via company_id … if not found … created, if found, that company will be updated" (S14 POST /companies).
  app.post('/companies', async (request) => {
    const { workspace } = authOf(request);
    const { companyId, ...changes } = parseCompanyUpsert(request.body);
    const existing = companyId === undefined ? undefined : listInWorkspace(state.companies, workspace.id).find((c) => c.companyId === companyId);
    if (existing) return companyWire(state, updateCompany(core, existing, changes));
    return companyWire(state, createCompany(core, workspace.id, companyId, changes));
  });

  app.put<{ Params: { company_id: string } }>('/companies/:company_id', async (request) => {
    const { workspace } = authOf(request);
    const company = inWorkspace(state.companies, workspace.id, request.params.company_id);
    if (!company) throw companyNotFound();
    return companyWire(state, updateCompany(core, company, parseCompanyUpdate(request.body)));
  });

  app.get<{ Params: { company_id: string } }>('/companies/:company_id', async (request) => {
    const { workspace } = authOf(request);
    const company = inWorkspace(state.companies, workspace.id, request.params.company_id);
    if (!company) throw companyNotFound();
    return companyWire(state, company);
  });

  app.get<{ Params: { company_id: string }; Querystring: { page?: string; per_page?: string } }>('/companies/:company_id/contacts', async (request) => {
    const { workspace } = authOf(request);
    const company = inWorkspace(state.companies, workspace.id, request.params.company_id);
    if (!company) throw companyNotFound();
    const contacts = listInWorkspace(state.contacts, workspace.id).filter((c) => c.mergedInto === null && c.companyIds.includes(company.id));
    const perPage = parsePerPage(request.query.per_page, 50);
    const page = offsetPage(contacts, parsePage(request.query.page), perPage, (n) => absolute(request, `/companies/${company.id}/contacts?page=${n}&per_page=${perPage}`));
    return { type: 'list', data: page.items.map((c) => contactWire(state, c)), total_count: page.total_count, pages: page.pages };
  });
}
