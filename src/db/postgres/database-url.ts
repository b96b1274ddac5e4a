// What a database.url may show of itself. Apart from open-postgres.ts, which loads pg, so that a
// daemon on SQLite never loads pg (src/db/open-store.ts says what that saves).

/** The URL as messages may show it: scheme, user, host, port and database, never the password. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    // Query parameters may carry a password too (?password=…); they are left out.
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(an unreadable URL)';
  }
}

/** host:port/database, for log lines and messages. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.host || new URLSearchParams(parsed.search).get('host') || 'localhost';
    return `${host}${parsed.pathname}`;
  } catch {
    return '(an unreadable URL)';
  }
}

/** The password, from the URL or its ?password= parameter. */
export function passwordOf(url: string): string {
  try {
    const parsed = new URL(url);
    return decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || '';
  } catch {
    return '';
  }
}
