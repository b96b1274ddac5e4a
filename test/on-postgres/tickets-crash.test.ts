// test/tickets/crash.test.ts again, its child daemons on a PostgreSQL database (test/helpers/crash-harness.ts
// reads INTERHUBZ_TEST_STORE). tap runs each file in its own process, so setting it here touches no other.
process.env.INTERHUBZ_TEST_STORE = 'postgres';
await import('../tickets/crash.test.ts');
