import type { Catalog } from '../../core/catalog';
import { isResourceUri, type ResourceRecord } from '../../core/records';
import { OAuthError } from '../../errors';
import { echoed } from '../../http/form';

/** What a token asked for with resource indicators is for. */
export interface Target {
  /** The `aud` of the token: the names of the indicated resources, in the order given. */
  audiences: string[];
  /** The granted scopes that the indicated resources accept. */
  scopes: string[];
}

/**
 * Narrows a token to the resources a request's `resource` parameters indicate (RFC 8707 §2).
 * Each value must be an absolute URI without a fragment and name an enabled API resource: by its
 * `uri`, else by its `name` (IdentityServer's resource indicators name the ApiResource, often
 * written as a URI such as `urn:api1`). The token's audience is then those resources and its scope
 * the `granted` scopes they accept. A value that is malformed, names no enabled resource, or names
 * one that accepts none of the granted scopes (the client may not have a token for it) is
 * `invalid_target`; so the scopes are never empty. `asked` says whether `granted` are the requested
 * scopes or the client's defaults, for the message.
 */
export function narrowToResources(values: readonly string[], granted: readonly string[], catalog: Catalog, asked: boolean): Target {
  const distinct = [...new Set(values)];
  for (const value of distinct) {
    if (!isResourceUri(value)) {
      throw new OAuthError('invalid_target', `resource${echoed(value)} must be an absolute URI without a fragment (RFC 8707 §2)`);
    }
  }
  const enabled = [...catalog.resources.values()].filter((r) => r.enabled);
  const resources = distinct.map((value) => {
    const resource = resourceFor(value, enabled);
    if (!resource) throw new OAuthError('invalid_target', `resource${echoed(value)} is not a known API resource`);
    if (!resource.scopes.some((scope) => granted.includes(scope))) {
      const which = asked ? 'the requested scopes' : "the client's default scopes";
      throw new OAuthError('invalid_target', `resource${echoed(value)} accepts none of ${which}`);
    }
    return resource;
  });
  return {
    // A resource named twice (by uri and by name) is one audience.
    audiences: [...new Set(resources.map((r) => r.name))],
    scopes: granted.filter((scope) => resources.some((r) => r.scopes.includes(scope))),
  };
}

/** The enabled resource `value` names: the one with that `uri`, else the one with that name. */
function resourceFor(value: string, enabled: readonly ResourceRecord[]): ResourceRecord | undefined {
  const byUri = enabled.filter((r) => r.uri === value);
  // Two resources under one uri would make a token asked for one good at the other: refuse rather than pick.
  if (byUri.length > 1) {
    throw new OAuthError('server_error', 'the API resources are misconfigured; the operator has been told', {
      logDetail: `resources ${byUri.map((r) => `"${r.name}"`).join(', ')} share the uri "${value}"`,
    });
  }
  return byUri[0] ?? enabled.find((r) => r.name === value);
}
