// A connection's settings name something the vendor does not have or does not allow (a ticket
// pipeline, a stage, a scope): a person must change them, so retrying cannot help. Features raise
// their own kind (src/tickets/ticket-pipeline.ts TicketSettingsError); the job runner and API Push
// only need to know that it is this kind, not whose it is.
export interface SettingsProblem {
  /** The settings path, e.g. `connections[0].tickets.stages.closed`. */
  key: string;
  message: string;
}

export class SettingsProblemError extends Error {
  override name = 'SettingsProblemError';
  readonly problems: SettingsProblem[];

  constructor(message: string, problems: SettingsProblem[]) {
    super(message);
    this.problems = problems;
  }
}
