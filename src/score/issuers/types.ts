/**
 * The issuer-family contract. One file per family under `src/score/issuers/`, registered in the
 * explicit array of `index.ts`. A family reads the claims its issuer emits and states, in the
 * shared vocabulary, what the token is (use, subject type), whom it belongs to (tenants), what it
 * can do (privileges) and where it runs (environment hints, attestation).
 *
 * Contract:
 * - `matches` and `read` are pure and synchronous and never throw on any claims (missing members,
 *   wrong types, hostile values): use the readers in `../claims.ts`.
 * - `read` returns only facts it found; `buildProfile` fills the rest with the generic reading and
 *   adds what every token shares (lifetime, binding, delegation, over-enrichment).
 * - Nothing returned may contain a secret: claims given to a family are already masked.
 */
import type { Environment, IssuerFamily, Privilege, SubjectType, TokenUse } from '../../core/profile.js';
import type { Json } from '../claims.js';
import type { CompiledVocab } from '../vocab.js';

export interface FamilyInput {
  header: Json;
  /** Masked claims (for a JWE: the readable header members that replicate claims). */
  claims: Json;
  issuer?: string;
  /** Lowercase host of `iss` when it is a URL. */
  issuerHost?: string;
  audiences: string[];
  vocab: CompiledVocab;
  /** Set when another family already read the privileges: skip levelling them again. */
  skipPrivileges?: boolean;
}

export interface EnvironmentHint {
  /** Text to look for environment words in. */
  text: string;
  /** Where it came from, for the reader: "GitHub environment", "k8s namespace". */
  evidence: string;
  /** An explicit statement (a GitHub `environment`), as opposed to a naming guess. */
  explicit?: boolean;
  /** When the family knows the environment outright (not by naming). */
  environment?: Exclude<Environment, 'unknown'>;
}

export interface FamilyFacts {
  family: IssuerFamily;
  tokenUse?: TokenUse;
  subjectType?: SubjectType;
  subject?: string;
  clientId?: string;
  tenants?: string[];
  /** Levelled privileges (use `levelOf`, or a family rule that knows better). */
  privileges?: Privilege[];
  environmentHints?: EnvironmentHint[];
  attestation?: Array<[string, string]>;
  publicByDesign?: string;
  notes?: string[];
}

export interface IssuerFamilyReader {
  /** Kebab-case id of the reader (the file name). */
  id: string;
  /**
   * `issuer`: identifies the token's issuer (first match wins, in registry order).
   * `claims`: a claim set that rides on other issuers' tokens (Hasura): read in addition, and
   * names the family only when no issuer family matched.
   */
  kind: 'issuer' | 'claims';
  matches(input: FamilyInput): boolean;
  read(input: FamilyInput): FamilyFacts;
}
