// The user mapping's decisions, without I/O: override, then email, then the default owner.
import t from 'tap';
import { ownerSummary, resolveOwners, type OwnerSummary, type Teammate } from '../../src/owners/resolve-owners.ts';

const admins: Teammate[] = [
  { id: '1', name: 'Ada Lovelace', email: 'Ada@Example.com' },
  { id: '2', name: 'Grace Hopper', email: 'grace@example.com' },
  { id: '3', name: 'Linus', email: 'linus@example.com' },
  { id: '4', name: null, email: null },
];
const owners: OwnerSummary[] = [
  ownerSummary({ id: '101', email: 'ada@example.COM', firstName: 'Ada', lastName: 'L', archived: false }),
  ownerSummary({ id: '102', email: 'grace@example.com', firstName: 'Grace', archived: true }),
  ownerSummary({ id: '103', email: 'boss@example.com', firstName: 'Boss', archived: false }),
  ownerSummary({ id: '104', email: 'old@example.com', archived: true }),
];
const none = { defaultOwner: '', overrides: [] };
const byAdmin = (result: ReturnType<typeof resolveOwners>) => Object.fromEntries(result.mappings.map((m) => [m.adminId, m]));

t.test('matches by email, ignoring case; archived owners stay on the mapping, flagged', async (t) => {
  const result = resolveOwners(admins, owners, none);
  const m = byAdmin(result);
  t.match(m['1'], { ownerId: '101', ownerName: 'Ada L', source: 'email', ownerArchived: false });
  t.match(m['2'], { ownerId: '102', source: 'email', ownerArchived: true }, 'an archived owner is shown as such');
  t.match(m['3'], { ownerId: null, ownerName: null, source: 'none' });
  t.match(m['4'], { adminName: 'Teammate 4', adminEmail: null, source: 'none' }, 'a teammate without name or email still has a row');
  t.same(result.problems, []);
  t.equal(result.defaultOwner, null);
});

t.test('an active owner wins over an archived one with the same email', async (t) => {
  const twice = [...owners, ownerSummary({ id: '105', email: 'GRACE@example.com', firstName: 'Grace', lastName: 'Again', archived: false })];
  t.match(byAdmin(resolveOwners(admins, twice, none))['2'], { ownerId: '105', ownerArchived: false });
});

t.test('the default owner, by email or id, for teammates without an owner', async (t) => {
  for (const defaultOwner of ['BOSS@example.com', '103', ' 103 ']) {
    const result = resolveOwners(admins, owners, { defaultOwner, overrides: [] });
    t.match(byAdmin(result)['3'], { ownerId: '103', ownerName: 'Boss', source: 'default' }, defaultOwner);
    t.match(byAdmin(result)['2'], { ownerId: '102', source: 'email', ownerArchived: true }, 'an archived match keeps its row (capture falls back)');
    t.match(result.defaultOwner, { id: '103' });
    t.same(result.problems, []);
  }
});

t.test('overrides win, naming teammate and owner by email or id', async (t) => {
  const result = resolveOwners(admins, owners, {
    defaultOwner: '',
    overrides: [
      { intercomAdmin: 'ada@EXAMPLE.com', hubspotOwner: '103' },
      { intercomAdmin: '3', hubspotOwner: 'Boss@example.com' },
      { intercomAdmin: '2', hubspotOwner: 'old@example.com' },
    ],
  });
  const m = byAdmin(result);
  t.match(m['1'], { ownerId: '103', source: 'override' }, 'over the email match');
  t.match(m['3'], { ownerId: '103', source: 'override' });
  t.match(m['2'], { ownerId: '104', source: 'override', ownerArchived: true }, 'an override to an archived owner is shown as such');
  t.same(result.problems, []);
});

t.test('problems name the settings key', async (t) => {
  const result = resolveOwners(admins, owners, {
    defaultOwner: 'nobody@example.com',
    overrides: [
      { intercomAdmin: 'ghost@example.com', hubspotOwner: '101' },
      { intercomAdmin: '1', hubspotOwner: 'missing@example.com' },
      { intercomAdmin: '3', hubspotOwner: '101' },
      { intercomAdmin: 'linus@example.com', hubspotOwner: '103' },
    ],
  });
  t.match(result.problems, [
    /^users\.overrides\[0\]\.intercomAdmin: no Intercom teammate has the email or id 'ghost@example\.com'/,
    /^users\.overrides\[1\]\.hubspotOwner: no HubSpot owner has the email or id 'missing@example\.com'/,
    /^users\.overrides\[3\]: the teammate 'linus@example\.com' already has an override in users\.overrides\[2\]/,
    /^users\.defaultOwner: no HubSpot owner has the email or id 'nobody@example\.com'/,
  ]);
  const m = byAdmin(result);
  t.match(m['1'], { ownerId: '101', source: 'email' }, 'an override to a missing owner falls back to email');
  t.match(m['3'], { ownerId: '101', source: 'override' }, 'the first override counts');

  const archived = resolveOwners(admins, owners, { defaultOwner: 'old@example.com', overrides: [] });
  t.match(archived.problems, [/^users\.defaultOwner: 'old@example\.com' is archived in HubSpot/]);
  t.equal(archived.defaultOwner, null);
  t.match(byAdmin(archived)['3'], { ownerId: null, source: 'none' }, 'an archived default owner is not used');
});
