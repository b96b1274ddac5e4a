// Contacts (S14; intercom-api.md §4.1, §4.2): get, list with cursor, search with 2.14's day-based
// date semantics in the workspace timezone, find by external id, companies of a contact; update
// (PUT), lead → user merge (POST /contacts/merge), and attaching/detaching a company.
import type { FastifyInstance } from 'fastify';
import { authOf, versionAtLeast } from '../auth.ts';
import type { SimCore } from '../core.ts';
import { checkCustomAttributes } from '../data-attributes.ts';
import { IntercomError, notFound, parameterInvalid } from '../errors.ts';
import { cursorPage, parsePerPage } from '../paginate.ts';
import { createContact, mergeContacts, updateContact } from '../people-writes.ts';
import { contactDoc, CONTACT_FIELDS, CONTACT_OPEN_PREFIXES } from '../search-docs.ts';
import { inWorkspace, listInWorkspace } from '../state.ts';
import type { Contact } from '../types.ts';
import { companyWire, contactWire } from '../wire/people.ts';
import { parseContactCreate, parseContactUpdate } from './people-bodies.ts';
import { runSearch } from './search.ts';

// S14 contacts examples answer a missing contact with not_found "User Not Found".
const userNotFound = () => notFound('User Not Found');
// "Contact has reached the maximum of 1000 company associations" (S14 attach 400 example).
const MAX_COMPANIES_PER_CONTACT = 1000;

export function registerContactRoutes(app: FastifyInstance, core: SimCore): void {
  const { state } = core;
  /** Merged-away contacts are gone for GET, list and search (S14 contacts description). */
  const live = (workspaceId: string) => listInWorkspace(state.contacts, workspaceId).filter((c) => c.mergedInto === null);
  const findLive = (workspaceId: string, id: string): Contact => {
    const contact = inWorkspace(state.contacts, workspaceId, id);
    if (!contact || contact.mergedInto !== null) throw userNotFound();
    return contact;
  };

  app.get<{ Querystring: { per_page?: string; starting_after?: string } }>('/contacts', async (request) => {
    const { workspace } = authOf(request);
    // D-pag: 50 per page by default, at most 150; these params are not declared in S14.
    const perPage = parsePerPage(request.query.per_page, 50);
    const page = cursorPage(live(workspace.id), (c) => ({ value: c.createdAt, id: c.id }), 'descending', perPage, request.query.starting_after);
    return { type: 'list', data: page.items.map((c) => contactWire(state, c)), total_count: page.total_count, pages: page.pages };
  });

  app.post('/contacts/search', async (request) => {
    const { workspace, version } = authOf(request);
    const now = core.nowSec();
    // New contacts "may not yet be available when searching" (S14 contacts/search description).
    const items = live(workspace.id).filter((c) => c.searchableAt <= now);
    const page = runSearch(request.body, {
      items,
      docOf: contactDoc,
      idOf: (c) => c.id,
      compile: {
        fields: CONTACT_FIELDS,
        openPrefixes: CONTACT_OPEN_PREFIXES,
        // ≤2.16: by calendar day in the workspace timezone; 2.17 anchors to UTC seconds (D-cl217).
        dates: versionAtLeast(version, '2.17') ? { kind: 'exact' } : { kind: 'day', timezone: workspace.timezone },
      },
      defaultPerPage: 50,
      defaultSort: 'updated_at',
    });
    return { type: 'list', data: page.items.map((c) => contactWire(state, c)), total_count: page.total_count, pages: page.pages };
  });

  app.get<{ Params: { external_id: string } }>('/contacts/find_by_external_id/:external_id', async (request) => {
    const { workspace } = authOf(request);
    // Users only, not leads (intercom-api.md §4.1).
    const contact = live(workspace.id).find((c) => c.role === 'user' && c.externalId === request.params.external_id);
    if (!contact) throw userNotFound();
    return contactWire(state, contact);
  });

  app.get<{ Params: { contact_id: string } }>('/contacts/:contact_id', async (request) => {
    const { workspace } = authOf(request);
    return contactWire(state, findLive(workspace.id, request.params.contact_id));
  });

  const checkOwner = (workspaceId: string, ownerId: number | null | undefined) => {
    if (ownerId === undefined || ownerId === null) return;
    const owner = inWorkspace(state.admins, workspaceId, String(ownerId));
    // The wording is UNCONFIRMED; an owner must be a teammate of the workspace (S14 owner_id: "The id of an admin").
    if (!owner || owner.kind !== 'admin') throw parameterInvalid(`Admin ${ownerId} not found`);
  };

  app.post('/contacts', async (request) => {
    const { workspace } = authOf(request);
    const { role = 'user', customAttributes, ...changes } = parseContactCreate(request.body);
    checkOwner(workspace.id, changes.ownerId);
    const custom = customAttributes === undefined ? {} : checkCustomAttributes(core, workspace.id, 'contact', customAttributes);
    if (role === 'user') {
      // A second user with the same email or external_id is refused with 409 conflict; the wording
      // is what Intercom answers in practice (UNCONFIRMED: S14 documents no 409 here). Leads may share.
      const twin = live(workspace.id).find((c) => c.role === 'user' && ((changes.email !== undefined && c.email === changes.email) || (changes.externalId !== undefined && c.externalId === changes.externalId)));
      if (twin) throw new IntercomError(409, 'conflict', `A contact matching those details already exists with id=${twin.id}`);
    }
    return contactWire(state, createContact(core, workspace.id, role, { ...changes, customAttributes: custom }));
  });

  app.put<{ Params: { contact_id: string } }>('/contacts/:contact_id', async (request) => {
    const { workspace } = authOf(request);
    const contact = findLive(workspace.id, request.params.contact_id);
    const changes = parseContactUpdate(request.body);
    if (changes.role === 'lead' && contact.role === 'user') throw parameterInvalid('A user cannot be converted to a lead');
    checkOwner(workspace.id, changes.ownerId);
    return contactWire(state, updateContact(core, contact, { ...changes, role: changes.role === 'user' ? 'user' : undefined }));
  });

  app.post('/contacts/merge', async (request) => {
    const { workspace } = authOf(request);
    const body: unknown = request.body;
    const from = typeof body === 'object' && body !== null && 'from' in body ? body.from : undefined;
    const into = typeof body === 'object' && body !== null && 'into' in body ? body.into : undefined;
    // S14 merge_contacts_request: both required; `from` "Must be a lead", `into` "Must be a user".
    // The codes and wording of these refusals are UNCONFIRMED.
    if (typeof from !== 'string' || typeof into !== 'string') throw new IntercomError(400, 'parameter_missing', 'from and into are required');
    const lead = findLive(workspace.id, from);
    const user = findLive(workspace.id, into);
    if (lead.id === user.id) throw parameterInvalid('A contact cannot be merged into itself');
    if (lead.role !== 'lead') throw parameterInvalid('The contact to merge from must be a lead');
    if (user.role !== 'user') throw parameterInvalid('The contact to merge into must be a user');
    return contactWire(state, mergeContacts(core, lead, user));
  });

  // S14 POST /contacts/{contact_id}/companies: body {id}; 200 is the company. No webhook is sent:
  // the company.contact.attached item shape is undocumented (intercom-api.md §2.4 names the topic only).
  app.post<{ Params: { contact_id: string } }>('/contacts/:contact_id/companies', async (request) => {
    const { workspace } = authOf(request);
    const contact = findLive(workspace.id, request.params.contact_id);
    const body: unknown = request.body;
    const id = typeof body === 'object' && body !== null && 'id' in body ? body.id : undefined;
    if (typeof id !== 'string' || id === '') throw new IntercomError(400, 'parameter_not_found', 'company not specified');
    const company = inWorkspace(state.companies, workspace.id, id);
    if (!company) throw new IntercomError(404, 'company_not_found', 'Company Not Found');
    if (!contact.companyIds.includes(company.id)) {
      if (contact.companyIds.length >= MAX_COMPANIES_PER_CONTACT) {
        throw new IntercomError(400, 'contact_company_limit_exceeded', `Contact has reached the maximum of ${MAX_COMPANIES_PER_CONTACT} company associations`);
      }
      contact.companyIds.push(company.id);
      contact.updatedAt = core.nowSec();
    }
    return companyWire(state, company);
  });

  // S14 DELETE /contacts/{contact_id}/companies/{company_id}: 200 is the company; 404 company_not_found or "User Not Found".
  app.delete<{ Params: { contact_id: string; company_id: string } }>('/contacts/:contact_id/companies/:company_id', async (request) => {
    const { workspace } = authOf(request);
    const contact = findLive(workspace.id, request.params.contact_id);
    const company = inWorkspace(state.companies, workspace.id, request.params.company_id);
    if (!company || !contact.companyIds.includes(company.id)) throw new IntercomError(404, 'company_not_found', 'Company Not Found');
    contact.companyIds = contact.companyIds.filter((id) => id !== company.id);
    contact.updatedAt = core.nowSec();
    return companyWire(state, company);
  });

  app.get<{ Params: { contact_id: string } }>('/contacts/:contact_id/companies', async (request) => {
    const { workspace } = authOf(request);
    const contact = findLive(workspace.id, request.params.contact_id);
    const companies = contact.companyIds.flatMap((id) => {
      const company = inWorkspace(state.companies, workspace.id, id);
      return company ? [companyWire(state, company)] : [];
    });
    // The S14 example carries `data` (the schema says `companies`) and a pages object with next null.
    return {
      type: 'list',
      data: companies,
      pages: { type: 'pages', next: null, page: 1, per_page: 50, total_pages: companies.length ? 1 : 0 },
      total_count: companies.length,
    };
  });
}
