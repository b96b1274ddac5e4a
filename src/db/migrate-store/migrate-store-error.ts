/** A refusal or failure of migrate-store the operator can act on: its message is the whole story. */
export class MigrateStoreError extends Error {
  override name = 'MigrateStoreError';
}
