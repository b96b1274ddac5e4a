// test/backfills/backfill-kill.test.ts again, its child daemons on PostgreSQL (test/helpers/crash-harness.ts reads
// INTERHUBZ_TEST_STORE). tap runs each file in its own process, so setting it here touches no other.
process.env.INTERHUBZ_TEST_STORE = 'postgres';
await import('../backfills/backfill-kill.test.ts');
