/** Mapbox secret tokens (`sk.eyJ…`). Public tokens (`pk.eyJ…`) ship in web pages by design and are not findings. */
import { BASE64URL, LOWER, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://docs.mapbox.com/accounts/guides/tokens/ — secret tokens `sk.` + base64url JSON (`eyJ1Ijoi…`) + `.` + 22.
const SECRET = /(?<![A-Za-z0-9_.-])sk\.eyJ[A-Za-z0-9_-]{20,300}\.[A-Za-z0-9_-]{20,30}(?![A-Za-z0-9_-])/g;

export const mapboxSecretToken = patternRule({
  id: 'mapbox-secret-token',
  name: 'Mapbox secret access token',
  docs: 'https://docs.mapbox.com/accounts/guides/tokens/',
  keywords: ['sk.eyJ'],
  reach: { privilege: 'write', scope: 'a Mapbox account’s styles, datasets and uploads, billed to it', lifetime: 'unbounded' },
  pattern: SECRET,
  body: (s) => s.slice(s.lastIndexOf('.') + 1),
  examples: () => {
    const head = Buffer.from(JSON.stringify({ u: `acme${randomBody(LOWER, 5)}`, a: randomBody(LOWER, 25) })).toString('base64url');
    const t = `sk.${head}.${randomBody(BASE64URL, 22)}`;
    return { match: placements(t, 'MAPBOX_SECRET_TOKEN'), ignore: [`MAPBOX_TOKEN=pk.${head}.${randomBody(BASE64URL, 22)}`, ...redactedForms(t, 3)] };
  },
});
