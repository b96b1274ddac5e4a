// The two vendors a connection authorises with OAuth. Its own module, free of server code, so the
// admin API's types (src/http/api-types.ts), the UI and src/oauth name the same thing.
import type { Vendor } from '../vendor.ts';

export type OAuthProvider = Vendor;
