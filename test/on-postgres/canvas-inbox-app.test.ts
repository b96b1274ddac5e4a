// test/canvas/inbox-app.test.ts again, its test daemons on PostgreSQL (test/helpers/server.ts reads
// INTERHUBZ_TEST_STORE). tap runs each file in its own process, so setting it here touches no other.
process.env.INTERHUBZ_TEST_STORE = 'postgres';
await import('../canvas/inbox-app.test.ts');
