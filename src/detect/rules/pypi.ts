/**
 * PyPI API tokens: `pypi-` + a base64url macaroon whose first bytes encode the index's location
 * (`AgEIcHlwaS5vcmc` = pypi.org, `AgENdGVzdC5weXBpLm9yZw` = test.pypi.org).
 */
import { BASE64URL, placements, randomBody, redactedForms } from './gen.js';
import { patternRule } from './kit.js';

// https://pypi.org/help/#apitoken — `pypi-` + macaroon (base64url) starting with the encoded index location.
const PYPI = /(?<![A-Za-z0-9_-])pypi-(AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,1200}(?![A-Za-z0-9_-])/g;

export const pypiUploadToken = patternRule({
  id: 'pypi-upload-token',
  name: 'PyPI API token',
  docs: 'https://pypi.org/help/#apitoken',
  keywords: ['pypi-Ag'],
  reach: { privilege: 'write', scope: 'uploads releases of the owner’s PyPI projects (supply-chain compromise)', lifetime: 'unbounded' },
  pattern: PYPI,
  body: (s) => s.replace(/^pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)/, ''),
  verify: (s) => ({ index: s.startsWith('pypi-AgEN') ? 'test.pypi.org' : 'pypi.org' }),
  examples: () => {
    const t = `pypi-AgEIcHlwaS5vcmc${randomBody(BASE64URL, 160)}`;
    const test = `pypi-AgENdGVzdC5weXBpLm9yZw${randomBody(BASE64URL, 120)}`;
    return {
      match: [...placements(t, 'TWINE_PASSWORD'), `[testpypi]\nusername = __token__\npassword = ${test}`],
      ignore: ['password = pypi-AgEIcHlwaS5vcmc<rest-of-token>', `pypi-${randomBody(BASE64URL, 100)}`, ...redactedForms(t, 20)],
    };
  },
});
