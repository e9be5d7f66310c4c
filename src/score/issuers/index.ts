/**
 * The issuer-family registry: one explicit list, in match order. Issuer families are tried first
 * to last and the first that matches names the token's family (`generic` always matches, so it is
 * last); `claims` families (Hasura) are read in addition whenever they match.
 *
 * To add a family: write `src/score/issuers/<id>.ts` exporting an `IssuerFamilyReader`, add its
 * family id to `IssuerFamilySchema` in `src/core/profile.ts`, list it here, and give it a test
 * file in `test/score/issuers/`.
 */
import { auth0 } from './auth0.js';
import { cognito } from './cognito.js';
import { entra } from './entra.js';
import { firebase } from './firebase.js';
import { generic } from './generic.js';
import { githubActions } from './github-actions.js';
import { google } from './google.js';
import { hasura } from './hasura.js';
import { keycloak } from './keycloak.js';
import { kubernetes } from './kubernetes.js';
import { okta } from './okta.js';
import { spiffe } from './spiffe.js';
import { supabase } from './supabase.js';
import type { IssuerFamilyReader } from './types.js';

export const issuerFamilies: readonly IssuerFamilyReader[] = [
  entra,
  auth0,
  okta,
  cognito,
  google,
  firebase,
  githubActions,
  kubernetes,
  spiffe,
  supabase,
  // After the issuer-specific families: `realm_access` also appears on tokens Keycloak brokers.
  keycloak,
  hasura,
  generic,
];

export type { FamilyFacts, FamilyInput, IssuerFamilyReader, EnvironmentHint } from './types.js';
