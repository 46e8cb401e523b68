import { clientCredentials } from './client-credentials';
import type { Grant } from './grant';

/** Every grant the token endpoint serves, by `grant_type`; discovery lists exactly these. */
export const GRANTS: ReadonlyMap<string, Grant> = new Map([clientCredentials].map((g) => [g.grantType, g]));
