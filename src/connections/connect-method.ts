// How a side of a connection was connected. Its own module, free of server code, so the admin API's
// types (src/http/api-types.ts, shared with the UI) and src/connections name the same thing.
/** Through the vendor's OAuth consent, or with a pasted token. */
export type ConnectMethod = 'oauth' | 'token';
