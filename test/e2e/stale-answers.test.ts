// The stale-answer race in real headless Chromium (#15 item 8): the Activity tab's filter changes
// faster than the answers come back, and the first answer arrives last. The page must show the
// answer to the filter now chosen, never the late one. The answers are the test's own (a route
// intercept), so which comes first is decided here rather than by timing.
import t from 'tap';
import type { Route } from 'playwright-core';
import { chromiumMissing, openSandbox, signedInPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

const entry = (id: number, subjectId: string, outcome: string) => ({
  id,
  at: Date.UTC(2026, 0, 5, 10, 0, id),
  kind: 'capture',
  subjectId,
  outcome,
  reason: null,
  detail: {},
  apiCalls: 1,
  durationMs: 10,
});

const missing = chromiumMissing();
if (missing) {
  t.plan(0, `skip: ${missing}`);
} else {
  t.test('an older answer never replaces a newer one', async (t) => {
    const server = await startTestServer(t);
    const { page, errors } = await signedInPage(t, server);
    await openSandbox(page);

    let releaseSkipped: () => void = () => {};
    const skippedHeld = new Promise<void>((resolve) => {
      releaseSkipped = resolve;
    });
    await page.route(/\/api\/connections\/[^/]+\/activity\?/, async (route: Route) => {
      const outcome = new URL(route.request().url()).searchParams.get('outcome');
      if (outcome === 'skipped') {
        await skippedHeld;
        await route.fulfill({ json: { entries: [entry(1, 'stale-answer', 'skipped')], next: null } });
      } else if (outcome === 'failed') {
        await route.fulfill({ json: { entries: [entry(2, 'fresh-answer', 'failed')], next: null } });
      } else {
        await route.continue();
      }
    });

    await page.getByRole('tab', { name: 'Activity' }).click();
    const activity = page.getByRole('tabpanel', { name: 'Activity' });
    await activity.getByText('Nothing yet.', { exact: false }).waitFor();

    // "Skipped" is asked for first and held; "Failed" is asked for next and answered at once.
    await activity.getByLabel('Outcome').selectOption('skipped');
    await activity.getByLabel('Outcome').selectOption('failed');
    await activity.getByRole('row').filter({ hasText: 'fresh-answer' }).waitFor();

    // Now the first answer arrives.
    const late = page.waitForResponse((response) => new URL(response.url()).searchParams.get('outcome') === 'skipped');
    releaseSkipped();
    await late;
    // Let the page handle the late answer (two frames: the answer's promise, then the render).
    // (A string: the test's own tsconfig has no DOM types.)
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');

    t.equal(await activity.getByLabel('Outcome').inputValue(), 'failed', 'the filter chosen last is selected');
    t.equal(await activity.getByRole('row').filter({ hasText: 'stale-answer' }).count(), 0, 'the late answer to the earlier filter is not shown');
    t.ok(await activity.getByRole('row').filter({ hasText: 'fresh-answer' }).isVisible(), 'the answer to the filter chosen last stays');
    t.same(errors, [], 'no errors in the browser console');
  });
}
