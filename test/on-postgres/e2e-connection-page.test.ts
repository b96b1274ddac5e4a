// test/e2e/connection-page.test.ts again, its test daemons on PostgreSQL (test/helpers/server.ts reads
// INTERHUBZ_TEST_STORE) and its screenshots in test/e2e/out/postgres/ (test/helpers/browser.ts).
// tap runs each file in its own process, so setting it here touches no other.
process.env.INTERHUBZ_TEST_STORE = 'postgres';
await import('../e2e/connection-page.test.ts');
