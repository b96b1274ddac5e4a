// test/jobs/crash-recovery.test.ts again, its worker processes on a PostgreSQL database (the test reads
// INTERHUBZ_TEST_STORE). tap runs each file in its own process, so setting it here touches no other.
process.env.INTERHUBZ_TEST_STORE = 'postgres';
await import('../jobs/crash-recovery.test.ts');
