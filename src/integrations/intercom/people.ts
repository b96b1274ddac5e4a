// Who calls: me and admins; whom conversations are with: contacts and companies (intercom-api.md
// §1.5, §4). A merged-away contact answers a plain 404 "User Not Found" in 2.14 (S14 contacts
// description; the simulator does the same), with no header or body naming the survivor. So the
// survivor comes from what the daemon already knows — the `contact.merged` webhook's `merged_from`
// (§2.4), passed in as `survivorOf` — or, when the caller offers the contact's email, from a search
// for the live contact with that email. Either way the caller gets kind 'merged' with survivorId.
import type { UpstreamClient } from '../upstream-client.ts';
import { UpstreamError } from '../upstream-error.ts';
import { cursorPages, itemsOf, nextCursor, offsetPages, scrollPages, type Page } from './paginate.ts';
import { Admin, AdminList, Company, CompanyList, Contact, ContactList, Me, type IntercomCompany, type IntercomContact } from './schemas.ts';
import { clampPerPage, searchQueryProblem, type SearchQuery, type SearchSort } from './search-query.ts';

/** What record sync writes to a contact: standard attributes by name, custom ones under custom_attributes. */
export type ContactChanges = Record<string, string | number | boolean | null | Record<string, string | number | boolean | null>>;
export type CompanyChanges = ContactChanges;

export type SurvivorLookup = (contactId: string) => string | undefined | Promise<string | undefined>;

const enc = encodeURIComponent;

export function peopleMethods(upstream: UpstreamClient, survivorOf: SurvivorLookup | undefined) {
  const contactSearchPage = async (query: SearchQuery, perPage: number, sort: SearchSort | undefined, startingAfter: string | undefined): Promise<Page<IntercomContact>> => {
    const body = { query, pagination: { per_page: perPage, ...(startingAfter && { starting_after: startingAfter }) }, ...(sort && { sort }) };
    const list = await upstream.json({ method: 'POST', path: '/contacts/search', body, idempotent: true }, ContactList);
    return { items: list.data, next: nextCursor(list.pages), ...(typeof list.total_count === 'number' ? { total: list.total_count } : {}) };
  };

  async function* searchContactPages(query: SearchQuery, options: { perPage?: number; sort?: SearchSort; startingAfter?: string } = {}): AsyncGenerator<Page<IntercomContact>> {
    const problem = searchQueryProblem(query);
    if (problem) throw new UpstreamError({ service: 'intercom', kind: 'invalid_request', status: null, method: 'POST', path: '/contacts/search', vendorMessage: problem });
    // Default 50, max 150 (§4.2). 2.14 matches dates by calendar day in the workspace timezone (§4.2).
    yield* cursorPages((cursor) => contactSearchPage(query, clampPerPage(options.perPage, 150), options.sort, cursor), options.startingAfter);
  }

  async function findSurvivor(contactId: string, email: string | undefined): Promise<string | undefined> {
    const known = await survivorOf?.(contactId);
    if (known) return known;
    if (!email) return undefined;
    // Merged contacts leave search (S14); a live contact with the same email is where it went.
    // Newly merged ones can take minutes to show in search (§4.2), so a miss stays a not_found.
    for await (const page of searchContactPages({ field: 'email', operator: '=', value: email }, { perPage: 10 })) {
      const others = page.items.filter((c) => c.id !== contactId);
      const user = others.find((c) => c.role === 'user') ?? others[0];
      return user?.id;
    }
    return undefined;
  }

  const scrollCompanyPages = (): AsyncGenerator<IntercomCompany[]> =>
    scrollPages(async (scrollParam) => {
      const list = await upstream.json({ method: 'GET', path: '/companies/scroll', query: { scroll_param: scrollParam } }, CompanyList);
      return { items: list.data, scrollParam: list.scroll_param ?? undefined };
    });

  return {
    /** GET /me: the admin behind the token and its workspace (`app.id_code`, `app.region`; §1.5). */
    me: () => upstream.json({ method: 'GET', path: '/me' }, Me),

    /** GET /admins: teammates, unpaginated (§4.4). Bots author parts but are not listed. */
    async listAdmins() {
      return (await upstream.json({ method: 'GET', path: '/admins' }, AdminList)).admins;
    },

    getAdmin: (adminId: string) => upstream.json({ method: 'GET', path: `/admins/${enc(adminId)}` }, Admin),

    /**
     * GET /contacts/{id}. A 404 for a contact that was merged becomes kind 'merged' with the
     * survivor's id when it can be found (see the top of this file); otherwise it stays 'not_found'.
     */
    async getContact(contactId: string, hint: { email?: string | null } = {}): Promise<IntercomContact> {
      try {
        return await upstream.json({ method: 'GET', path: `/contacts/${enc(contactId)}` }, Contact);
      } catch (error) {
        if (!(error instanceof UpstreamError) || error.kind !== 'not_found') throw error;
        const survivorId = await findSurvivor(contactId, hint.email ?? undefined);
        if (!survivorId) throw error;
        throw new UpstreamError({ ...error.details, kind: 'merged', survivorId, cause: error });
      }
    },

    /** GET /contacts, cursor pages (default 50, max 150; merged contacts excluded; §4.1). */
    listContactPages(options: { perPage?: number; startingAfter?: string } = {}): AsyncGenerator<Page<IntercomContact>> {
      const perPage = clampPerPage(options.perPage, 150);
      return cursorPages(async (cursor) => {
        const list = await upstream.json({ method: 'GET', path: '/contacts', query: { per_page: perPage, starting_after: cursor } }, ContactList);
        return { items: list.data, next: nextCursor(list.pages), ...(typeof list.total_count === 'number' ? { total: list.total_count } : {}) };
      }, options.startingAfter);
    },

    /** How many contacts the workspace has: GET /contacts's `total_count` (spec 2.14 `contact_list`), one contact per page. */
    async countContacts(): Promise<number | null> {
      return (await upstream.json({ method: 'GET', path: '/contacts', query: { per_page: 1 } }, ContactList)).total_count ?? null;
    },

    searchContactPages,
    searchContacts: (query: SearchQuery, options: { perPage?: number; sort?: SearchSort } = {}) => itemsOf(searchContactPages(query, options)),

    /**
     * PUT /contacts/{id} (Intercom spec 2.14 `update_contact_request`): only the keys given change;
     * `custom_attributes` merges key by key. Setting the same values again has one effect.
     */
    updateContact: (contactId: string, changes: ContactChanges) =>
      upstream.json({ method: 'PUT', path: `/contacts/${enc(contactId)}`, body: changes, idempotent: true }, Contact),

    /**
     * POST /contacts/{id}/companies with {id}: the contact joins the company (spec 2.14 "Attach a
     * Contact to a Company"; the answer is the company). Joining twice has one effect.
     */
    attachCompany: (contactId: string, companyId: string) =>
      upstream.json({ method: 'POST', path: `/contacts/${enc(contactId)}/companies`, body: { id: companyId }, idempotent: true }, Company),

    /** PUT /companies/{id} (spec 2.14 "Update a company"; the id is Intercom's, not company_id). */
    updateCompany: (companyId: string, changes: CompanyChanges) =>
      upstream.json({ method: 'PUT', path: `/companies/${enc(companyId)}`, body: changes, idempotent: true }, Company),

    getCompany: (companyId: string) => upstream.json({ method: 'GET', path: `/companies/${enc(companyId)}` }, Company),

    /**
     * POST /companies/list, offset pages (default 15; §4.3): sorted by last_request_at, excludes
     * companies without users, capped at 10,000. A POST that only reads, so retried like a GET.
     */
    listCompanies(options: { perPage?: number; order?: 'asc' | 'desc' } = {}): AsyncGenerator<IntercomCompany> {
      const perPage = clampPerPage(options.perPage, 50);
      return itemsOf(offsetPages(async (page) => {
        const list = await upstream.json({ method: 'POST', path: '/companies/list', query: { page, per_page: perPage, order: options.order }, idempotent: true }, CompanyList);
        return { items: list.data, hasNext: Boolean(list.pages?.next) };
      }));
    },

    /** GET /companies?company_id=… (your external id) or ?name=…; 404 company_not_found when none (§4.3). */
    findCompanies(filter: { companyId?: string; name?: string }, options: { perPage?: number } = {}): AsyncGenerator<IntercomCompany> {
      const perPage = clampPerPage(options.perPage, 50);
      return itemsOf(offsetPages(async (page) => {
        const query = { company_id: filter.companyId, name: filter.name, page, per_page: perPage };
        try {
          const list = await upstream.json({ method: 'GET', path: '/companies', query }, CompanyList);
          return { items: list.data, hasNext: Boolean(list.pages?.next) };
        } catch (error) {
          // A filter that matches nothing is a 404 company_not_found (§4.3), not a failure.
          if (error instanceof UpstreamError && error.kind === 'not_found') return { items: [], hasNext: false };
          throw error;
        }
      }));
    },

    /** How many companies the workspace has: GET /companies' total_count (§4.3), one small page; null when not said. */
    async countCompanies(): Promise<number | null> {
      const list = await upstream.json({ method: 'GET', path: '/companies', query: { page: 1, per_page: 1 } }, CompanyList);
      return list.total_count ?? null;
    },

    /**
     * GET /companies/scroll: every company, including those without users. One open scroll per
     * app; abandoned scrolls expire after a minute (§4.3), so iterate it to the end.
     */
    scrollCompanies(): AsyncGenerator<IntercomCompany> {
      return itemsOf(scrollCompanyPages());
    },

    /** The same scroll, page by page (a backfill counts the pages it finished). */
    scrollCompanyPages,
  };
}

export type PeopleMethods = ReturnType<typeof peopleMethods>;
