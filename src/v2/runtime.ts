/** What the engine hands the 2.0 streams: their settings and the client that shares the request budget. */
import type { V2Client } from './client.js';
import type { V2Settings } from './settings.js';

export interface V2Runtime {
  settings: V2Settings;
  client: V2Client;
}
