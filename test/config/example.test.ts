// config.example.yaml is the configuration reference: it must load, and document every key.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseConfig } from '../../src/config/load.ts';
import { knownKeysAt } from '../../src/config/known-keys.ts';
import { ConfigSchema } from '../../src/config/schema.ts';

const example = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');

/** Every key path the schema knows, with connections[] walked through its element. */
function allKeyPaths(path: (string | number)[] = []): (string | number)[][] {
  return knownKeysAt(ConfigSchema, path).flatMap((key) => {
    const child = [...path, key];
    const grandChildren = key === 'connections' ? allKeyPaths([...child, 0]) : allKeyPaths(child);
    return [child, ...grandChildren];
  });
}

t.test('the example loads as it is', async (t) => {
  const config = parseConfig(example, {});
  t.equal(config.server.port, 8080);
  t.same(config.connections, []);
});

t.test('the commented connection example loads when uncommented', async (t) => {
  const start = example.indexOf('# Example:');
  const uncommented = example
    .slice(start)
    .split('\n')
    .slice(1)
    .map((line) => line.replace(/^#/, ''))
    .join('\n');
  const yaml = example.slice(0, start).replace('connections: []', 'connections:') + uncommented;
  const config = parseConfig(yaml, { INTERCOM_TOKEN: 'ic', HUBSPOT_TOKEN: 'pat-eu1-00000000-0000-4000-8000-000000000000' });
  t.equal(config.connections.length, 1);
  t.equal(config.connections[0]?.name, 'Support EU');
  t.equal(config.connections[0]?.intercom.region, 'eu');
});

t.test('every key is documented with a comment right above it', async (t) => {
  const lines = example.split('\n');
  const paths = allKeyPaths();
  t.ok(paths.length > 30, `walked ${paths.length} keys`);
  for (const path of paths) {
    const key = String(path.at(-1));
    const index = lines.findIndex((line) => new RegExp(`^[#\\s-]*${key}:`).test(line));
    t.not(index, -1, `${path.join('.')} appears in config.example.yaml`);
    const above = lines[index - 1]?.trim() ?? '';
    t.ok(above.startsWith('#') && /[A-Za-z]{3}/.test(above.replace(/^[#\s-]*\w+:.*$/, '')), `${path.join('.')} has a comment above it`);
  }
});
