// Running the README's docker-compose example with podman-compose on machines that reach no
// container registry (../shared/tools/container/README.md): the official images the example names
// (postgres:16, nginx:1.27) are replaced by local stand-ins built from the node base image and
// Debian's packages, tagged with those names, that do what the example relies on and no more. Where
// an image of that name already exists and is not a stand-in (the real one, pulled), it is used.
import { createHash } from 'node:crypto';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The label a stand-in carries: the hash of its build files, so a changed recipe is rebuilt. */
const STAND_IN_LABEL = 'org.interhubz.stand-in';
const BASE_IMAGE = 'docker.io/library/node:24-bookworm-slim';

/**
 * The settings podman needs here (what ../shared/tools/container/podman-here passes as flags), as a
 * containers.conf, so that podman-compose's plain `podman` calls work: runc, cgroupfs, no default
 * ulimits (raising them is refused here). Networking stays compose's own bridge network.
 */
export function podmanConfFile(dir: string): string {
  const path = join(dir, 'containers.conf');
  writeFileSync(path, '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\n');
  return path;
}

/** Why the compose example cannot be run here, or null when it can. */
export function podmanComposeMissing(): string | null {
  try {
    execFileSync('podman-compose', ['version'], { stdio: 'ignore' });
  } catch {
    return 'podman-compose is not installed (apt-get install -y podman-compose), so the README compose example cannot be run';
  }
  return null;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; never throws for a non-zero exit (the caller looks at `code`). */
export function runCommand(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
          return;
        }
        resolvePromise({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

async function runOk(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const result = await runCommand(file, args, options);
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  return result.stdout;
}

interface StandIn {
  /** The official image's full name, as podman resolves the short name the example uses. */
  image: string;
  files: Record<string, string>;
}

// The official postgres image's contract, as far as the example uses it: POSTGRES_USER (default
// postgres), POSTGRES_PASSWORD (required), POSTGRES_DB (default: the user) create the cluster on the
// first start in PGDATA (/var/lib/postgresql/data, a volume); the server listens on every address
// with password (scram) authentication, and pg_isready / psql are on PATH. During that first
// start's setup the server listens on its unix socket only, as the official image's does.
const POSTGRES_ENTRYPOINT = `#!/bin/sh
set -eu
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec runuser -u postgres -- "$0" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "\${POSTGRES_PASSWORD:?the postgres image needs POSTGRES_PASSWORD}"
  user=\${POSTGRES_USER:-postgres}
  db=\${POSTGRES_DB:-$user}
  pwfile=$(mktemp)
  printf '%s\\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    psql -q -v ON_ERROR_STOP=1 -U "$user" -d postgres -c "CREATE DATABASE \\"$db\\""
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  echo "stand-in postgres: cluster created, database $db owned by $user"
fi
exec "$@"
`;

const POSTGRES: StandIn = {
  image: 'docker.io/library/postgres:16',
  files: {
    Containerfile: `FROM ${BASE_IMAGE}
# No default cluster from the package (the official image does the same); the entrypoint makes one in PGDATA.
RUN set -eu; mkdir -p /etc/postgresql-common; echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf; \\
    apt-get update -qq; apt-get install -y -qq --no-install-recommends postgresql >/dev/null; rm -rf /var/lib/apt/lists/*; \\
    for f in /usr/lib/postgresql/*/bin/*; do ln -sf "$f" /usr/local/bin/; done
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
`,
    'docker-entrypoint.sh': POSTGRES_ENTRYPOINT,
  },
};

// The official nginx image's contract, as far as the example uses it: /etc/nginx/conf.d/*.conf is
// included in the http block (the example mounts its default.conf there), logs go to the container's
// stdout and stderr, and nginx runs in the foreground.
const NGINX: StandIn = {
  image: 'docker.io/library/nginx:1.27',
  files: {
    Containerfile: `FROM ${BASE_IMAGE}
RUN set -eu; apt-get update -qq; apt-get install -y -qq --no-install-recommends nginx >/dev/null; rm -rf /var/lib/apt/lists/*; \\
    rm -f /etc/nginx/sites-enabled/default; \\
    ln -sf /dev/stdout /var/log/nginx/access.log; ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
`,
  },
};

export const STAND_INS = { postgres: POSTGRES, nginx: NGINX } as const;

const recipeHash = (standIn: StandIn) =>
  createHash('sha256').update(JSON.stringify(Object.entries(standIn.files).sort(([a], [b]) => a.localeCompare(b)))).digest('hex').slice(0, 16);

/**
 * Makes sure `standIn.image` exists: kept when it is the real image (no stand-in label) or this
 * recipe's stand-in; built otherwise (a first run, or the recipe changed). Returns what was done.
 */
export async function ensureStandIn(standIn: StandIn, podman: string, env: NodeJS.ProcessEnv): Promise<'real image' | 'stand-in reused' | 'stand-in built'> {
  const hash = recipeHash(standIn);
  const inspected = await runCommand(podman, ['image', 'inspect', standIn.image, '--format', `{{index .Labels "${STAND_IN_LABEL}"}}`], { env });
  if (inspected.code === 0) {
    const label = inspected.stdout.trim();
    if (label === '' || label === '<no value>') return 'real image';
    if (label === hash) return 'stand-in reused';
  }
  const dir = mkdtempSync(join(tmpdir(), 'interhubz-stand-in-'));
  try {
    for (const [name, text] of Object.entries(standIn.files)) writeFileSync(join(dir, name), text);
    await runOk(podman, ['build', '--pull=never', '--network', 'host', '--label', `${STAND_IN_LABEL}=${hash}`, '-t', standIn.image, '-f', join(dir, 'Containerfile'), dir], {
      env,
      timeoutMs: 15 * 60_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 'stand-in built';
}

export interface ReadmeExample {
  /** The files of the example by name: each fenced block whose first line is `# NAME` (that line kept). */
  files: Map<string, string>;
  /** The `sh` blocks, in order: the commands the section tells the reader to run. */
  scripts: string[];
}

/**
 * The fenced blocks of one README section (from its `## heading` to the next `## `), so that a test
 * runs the README's own text. Throws when the section is missing.
 */
export function readmeExample(readme: string, heading: string): ReadmeExample {
  const lines = readme.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start === -1) throw new Error(`README.md has no section "## ${heading}"`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = lines.slice(start + 1, end === -1 ? undefined : end);
  const files = new Map<string, string>();
  const scripts: string[] = [];
  for (let index = 0; index < section.length; index++) {
    const fence = /^```(\S*)\s*$/.exec(section[index] ?? '');
    if (!fence || fence[1] === '') continue;
    const close = section.indexOf('```', index + 1);
    if (close === -1) throw new Error(`README.md "## ${heading}": a fenced block is not closed`);
    const body = section.slice(index + 1, close);
    const named = /^#\s+(\S+)\s*$/.exec(body[0] ?? '');
    if (named?.[1]) files.set(named[1], `${body.join('\n')}\n`);
    else if (fence[1] === 'sh') scripts.push(`${body.join('\n')}\n`);
    index = close;
  }
  return { files, scripts };
}
