// `npm run sandbox` starts both simulators and prints how to reach them.
import { spawn } from 'node:child_process';
import t from 'tap';
import { REPO_ROOT } from '../helpers/daemon-process.ts';

t.test('prints both base URLs, tokens that work, and the control API addresses', async (t) => {
  const child = spawn(process.execPath, ['src/sandbox/main.ts', '--intercom-port', '0', '--hubspot-port', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGTERM'));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const json = out.split('\n').find((l) => l.startsWith('{'));
      if (json) resolve(json);
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
  const summary = JSON.parse(line) as {
    intercom: { baseUrl: string; control: string; accessToken: string };
    hubspot: { baseUrl: string; control: string; accessToken: string; hubId: number };
  };
  const me = await fetch(`${summary.intercom.baseUrl}/me`, { headers: { authorization: `Bearer ${summary.intercom.accessToken}`, 'intercom-version': '2.14', accept: 'application/json' } });
  t.equal(me.status, 200);
  t.match(await me.json(), { type: 'admin' });
  const contacts = await fetch(`${summary.hubspot.baseUrl}/crm/objects/2026-09/contacts`, { headers: { authorization: `Bearer ${summary.hubspot.accessToken}` } });
  t.equal(contacts.status, 200);
  t.same(await contacts.json(), { results: [] });
  t.equal(summary.intercom.control, `${summary.intercom.baseUrl}/_sim`);
  t.equal(summary.hubspot.control, `${summary.hubspot.baseUrl}/_sim`);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGINT');
  t.equal(await exited, 0, 'Ctrl-C stops it cleanly');
});
