// The process entry point: configuration, logger, daemon, signals, exit codes. An operator's mistake
// (StartupError) is printed as plain sentences with no stack trace.
import { loadConfig } from './config/load.ts';
import { startDaemon, type Daemon } from './daemon.ts';
import { startIdleMemory } from './idle-memory.ts';
import { createLogger } from './log.ts';
import { StartupError } from './startup-error.ts';

const MIN_NODE_MAJOR = 24;

function fail(message: string, exitCode: number): never {
  process.stderr.write(`interhubz: ${message}\n`);
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE_MAJOR) fail(`Interhubz needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${process.version}. Start it with \`npm start\`.`, 1);

  const { config, source } = loadConfig(process.argv.slice(2), process.env);
  const log = createLogger(config.logLevel);
  log.info({ configFile: source ?? '(none: defaults)', dataDir: config.dataDir, node: process.version }, 'starting Interhubz');

  const daemon = await startDaemon({ config, log, secretKey: process.env.INTERHUBZ_SECRET_KEY });
  log.info({ url: daemon.url }, `Interhubz is running: open ${daemon.url}`);
  if (daemon.sandbox) {
    log.info(
      { intercom: `${daemon.url}/sandbox/intercom`, hubspot: `${daemon.url}/sandbox/hubspot` },
      'the built-in sandbox is on (no connections are configured): simulated Intercom and HubSpot APIs are served under /sandbox',
    );
  }
  // The start-up's garbage, and a burst's once it is over, collected while nothing happens (the image runs node with --expose-gc).
  startIdleMemory(log);
  handleSignals(daemon, log, config.server.shutdownTimeoutSeconds * 1000);
}

function handleSignals(daemon: Daemon, log: ReturnType<typeof createLogger>, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, timeoutMs }, 'shutting down: no new requests, finishing in-flight work');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown timed out; exiting with work unfinished');
      daemon.app.server.closeAllConnections();
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    // Jobs get most of the budget; the rest is for closing the database before the hard stop.
    daemon.close(Math.max(0, timeoutMs - 1500)).then(
      () => {
        log.info('stopped cleanly');
        log.flush();
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) fail(error.message, error.exitCode);
  process.stderr.write(`interhubz: unexpected error while starting:\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
