// HubSpot simulator throughput: requests/s it serves on loopback for contact search and note
// create, with the simulator in its own process (as the other benchmarks run it) and its rate
// limits off. It must stay far above the limits it simulates (search 5/s, 110 per 10 s) so it is
// never the bottleneck of a benchmark.
//
// Figures: search_per_s, note_create_per_s (completed 2xx requests per second, CONCURRENCY in flight).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { Figures, Progress } from './run.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONTACTS = 2_000;
const CONCURRENCY = 32;
const WARMUP_MS = 1_000;
const MEASURE_MS = 4_000;

async function measure(pool: Pool, request: (i: number) => { path: string; body: string }): Promise<number> {
  let done = 0;
  let failed = 0;
  let counting = false;
  let stop = false;
  let next = 0;
  const worker = async () => {
    while (!stop) {
      const { path, body } = request(next++);
      const response = await pool.request({ method: 'POST', path, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
      await response.body.dump();
      if (!counting) continue;
      if (response.statusCode < 300) done++;
      else failed++;
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  const elapsed = performance.now() - started;
  const counted = done;
  stop = true;
  await Promise.all(workers);
  if (failed > 0) throw new Error(`${failed} requests failed`);
  return Math.round((counted / elapsed) * 1000);
}

let token = '';

export default async function sim(progress: Progress): Promise<Figures> {
  const child = spawn(process.execPath, [join(ROOT, 'src/sandbox/hubspot/main.ts'), '--no-limits'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const { url, hubId } = JSON.parse(line.toString().split('\n')[0] ?? '{}') as { url: string; hubId: number };
    const control = async (path: string, body: unknown) => {
      const response = await fetch(`${url}/_sim${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return response.json() as Promise<Record<string, string>>;
    };
    token = (await control('/tokens', {})).token ?? '';
    progress(`simulator at ${url}; seeding ${CONTACTS} contacts`);
    const ids: string[] = [];
    for (let i = 0; i < CONTACTS; i++) ids.push((await control(`/portals/${hubId}/records/contacts`, { properties: { email: `user${i}@bench.test`, firstname: `User${i}` } })).id ?? '');

    const pool = new Pool(url, { connections: CONCURRENCY });
    try {
      progress('contact search (email EQ)');
      const searchPerS = await measure(pool, (i) => ({
        path: '/crm/objects/2026-09/contacts/search',
        body: JSON.stringify({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: `user${i % CONTACTS}@bench.test` }] }], properties: ['email'], limit: 10 }),
      }));
      progress(`search: ${searchPerS}/s`);
      progress('note create with a contact association');
      const notePerS = await measure(pool, (i) => ({
        path: '/crm/objects/2026-09/notes',
        body: JSON.stringify({
          properties: { hs_timestamp: '2026-05-02T10:11:12Z', hs_note_body: `<p>Conversation ${i}</p>`.repeat(20) },
          associations: [{ to: { id: ids[i % CONTACTS] }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }] }],
        }),
      }));
      progress(`note create: ${notePerS}/s`);
      return { search_per_s: searchPerS, note_create_per_s: notePerS };
    } finally {
      await pool.close();
    }
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}
