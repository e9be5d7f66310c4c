/**
 * Shared Signals transmitter metadata (when `act.ssf` is configured; 404 otherwise):
 * - `GET /.well-known/jwks.json`: the public key SETs are signed with (`kid` = RFC 7638 thumbprint);
 *   receivers verify our SETs against it;
 * - `GET /.well-known/ssf-configuration`: SSF 1.0 transmitter metadata (`issuer`, `jwks_uri`,
 *   `delivery_methods_supported: ["urn:ietf:rfc:8935"]`). Streams are configured statically in
 *   `act.sinks` (type `ssf`), so no stream-management endpoints are advertised.
 * The key is loaded (or, on embedded defaults, generated into the data directory) at start-up, so a
 * bad key fails `serve` at once rather than the first receiver.
 */
import { TokenradiusError } from '../../core/errors.js';
import { jwksDocument, loadSetSigningKey, ssfConfiguration } from '../../act/set.js';
import type { RoutePlugin } from '../app.js';

export const wellKnownRoutes: RoutePlugin = {
  id: 'well-known',
  async register(app, deps) {
    const ssf = deps.config?.act.ssf;
    const key = ssf && deps.config ? await loadSetSigningKey(ssf, { env: deps.env ?? {}, dataDir: deps.config.dataDir }) : undefined;
    const notConfigured = () => new TokenradiusError('NOT_FOUND', 'this tokenradius is not a Shared Signals transmitter (act.ssf is not configured)');

    app.get('/.well-known/jwks.json', async (_request, reply) => {
      if (!key) throw notConfigured();
      return reply.header('cache-control', 'public, max-age=300').type('application/jwk-set+json').send(jwksDocument([key]));
    });
    app.get('/.well-known/ssf-configuration', async (_request, reply) => {
      if (!ssf) throw notConfigured();
      return reply.header('cache-control', 'public, max-age=300').type('application/json').send(ssfConfiguration(ssf.issuer));
    });
  },
};
