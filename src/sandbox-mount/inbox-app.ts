// The built-in sandbox's Inbox app: a sandbox connection's own Intercom app gets a Canvas Kit card in
// the simulated Inbox's conversation details, pointed at this daemon's canvas URLs, so "Open in Inbox"
// on the sandbox Overview shows the card a teammate would see. The URLs are built from the address
// the daemon listens on (as the sandbox's upstream URLs are, src/connections/create-sandbox-connection.ts),
// never from a request header; the requests are signed with that app's client secret, the secret the
// connection's webhooks are verified with. Imports the simulator as a type only: nothing loads here.
import type { MountedSandbox } from './mounted-sandbox.ts';

/**
 * The daemon's Canvas Kit URLs on its public listener (issue #20; the routes themselves are
 * src/canvas's). Spelt here again on purpose: the simulator is an independent check of the daemon.
 */
const CANVAS_PATHS = { initialize: '/intercom/canvas/initialize', submit: '/intercom/canvas/submit' } as const;

export function installSandboxInboxApp(sandbox: MountedSandbox, input: { appId: string; workspaceId: string; listeningBase: string }): void {
  const base = input.listeningBase.replace(/\/$/, '');
  sandbox.intercom.control.inboxApp({
    appId: input.appId,
    workspaceId: input.workspaceId,
    initializeUrl: `${base}${CANVAS_PATHS.initialize}`,
    submitUrl: `${base}${CANVAS_PATHS.submit}`,
  });
}
