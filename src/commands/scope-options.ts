/** `--since` and `--integrations`: the command-line form of SEI_START_DATE and SEI_INTEGRATION_IDS. */
import { type Config, parseIntegrationIds, parseStartDate } from '../config.js';
import type { ScopeJson } from './json-output.js';

export interface ScopeOptions {
  since?: string;
  integrations?: string;
}

/** The configuration with the scope the options give (each option wins over its variable). */
export function withScopeOptions(config: Config, options: ScopeOptions): Config {
  return {
    ...config,
    scope: {
      startDate:
        options.since === undefined ? config.scope.startDate : parseStartDate(options.since, '--since'),
      integrationIds:
        options.integrations === undefined
          ? config.scope.integrationIds
          : parseIntegrationIds(options.integrations, '--integrations'),
    },
  };
}

/** One line for people: what a sync covers. */
export function describeScope(scope: ScopeJson): string {
  const since = scope.since ? `from ${scope.since}` : 'all history';
  const integrations = scope.integrationIds
    ? `integrations ${scope.integrationIds.join(', ')}`
    : 'all integrations';
  return `${since}, ${integrations}`;
}
