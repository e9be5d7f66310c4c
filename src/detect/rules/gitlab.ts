/**
 * GitLab tokens, all identified by documented prefixes
 * (https://docs.gitlab.com/security/tokens/#token-prefixes). Self-managed instances can configure
 * a custom prefix for personal access tokens; those need a custom rule.
 */
import type { CredentialReach, Detector } from '../types.js';
import { ALNUM, BASE64URL, HEX, LOWER_ALNUM, placements, randomBody, redactedForms } from './gen.js';
import { patternRule, prefixedTokenRule } from './kit.js';

const PREFIX_DOCS = 'https://docs.gitlab.com/security/tokens/#token-prefixes';
const B64URL = 'A-Za-z0-9_-';

function gitlab(
  id: string,
  name: string,
  prefix: string,
  charset: string,
  length: number | [number, number],
  alphabet: string,
  reach: CredentialReach,
  exampleLength?: number,
): Detector {
  return prefixedTokenRule({
    id,
    name,
    docs: PREFIX_DOCS,
    prefixes: [prefix],
    charset,
    length,
    alphabet,
    ...(exampleLength !== undefined ? { exampleLength } : {}),
    envName: 'GITLAB_TOKEN',
    reach,
  });
}

// https://docs.gitlab.com/user/profile/personal_access_tokens/ — `glpat-` + 20 (legacy) or a longer routable form ending `.<ver>.<suffix>`.
const PAT = /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,80}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?(?![A-Za-z0-9_-])/g;

export const gitlabPat = patternRule({
  id: 'gitlab-pat',
  name: 'GitLab personal, project or group access token',
  docs: 'https://docs.gitlab.com/user/profile/personal_access_tokens/',
  keywords: ['glpat-'],
  reach: { privilege: 'admin', scope: 'GitLab projects and groups the owner can reach (API, repositories, registry)', lifetime: 'months' },
  pattern: PAT,
  body: (s) => s.slice(6).split('.')[0] ?? '',
  examples: () => {
    const legacy = `glpat-${randomBody(ALNUM, 20)}`;
    const routable = `glpat-${randomBody(BASE64URL, 38)}.01.${randomBody(LOWER_ALNUM, 9)}`;
    return {
      match: [...placements(legacy, 'GITLAB_TOKEN'), `PRIVATE-TOKEN: ${routable}`, `token ${routable}.`],
      ignore: ['GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx', 'glpat-<your-token>', ...redactedForms(legacy, 6)],
    };
  },
});

// https://docs.gitlab.com/user/project/deploy_tokens/ — `gldt-` + random.
export const gitlabDeployToken = gitlab('gitlab-deploy-token', 'GitLab deploy token', 'gldt-', B64URL, [20, 80], ALNUM, {
  privilege: 'read',
  scope: 'one GitLab project’s repository, packages or registry',
  lifetime: 'unbounded',
}, 20);

// https://docs.gitlab.com/ci/runners/new_creation_workflow/ — runner authentication tokens `glrt-` (may embed `t1_`…).
export const gitlabRunnerToken = gitlab('gitlab-runner-token', 'GitLab runner authentication token', 'glrt-', B64URL, [20, 80], ALNUM, {
  privilege: 'write',
  scope: 'picks up CI jobs (and their secrets) for the runner’s projects',
  lifetime: 'unbounded',
}, 20);

// https://docs.gitlab.com/ci/runners/new_creation_workflow/ — deprecated registration tokens `GR1348941` + 20.
export const gitlabRunnerRegistrationToken = gitlab('gitlab-runner-registration-token', 'GitLab runner registration token (deprecated)', 'GR1348941', B64URL, [20, 40], ALNUM, {
  privilege: 'write',
  scope: 'registers new runners that receive CI jobs and their secrets',
  lifetime: 'unbounded',
}, 20);

// https://docs.gitlab.com/ci/triggers/ — pipeline trigger tokens `glptt-` + 40 hex.
export const gitlabPipelineTriggerToken = gitlab('gitlab-pipeline-trigger-token', 'GitLab pipeline trigger token', 'glptt-', 'a-f0-9', 40, HEX, {
  privilege: 'write',
  scope: 'starts pipelines of one project (with its CI secrets)',
  lifetime: 'unbounded',
});

// https://docs.gitlab.com/ci/jobs/ci_job_token/ — CI/CD job tokens `glcbt-` (valid while the job runs).
export const gitlabCiJobToken = gitlab('gitlab-ci-job-token', 'GitLab CI/CD job token', 'glcbt-', B64URL, [20, 80], ALNUM, {
  privilege: 'write',
  scope: 'the job’s project and the projects that allow its job token',
  lifetime: 'hours',
}, 30);

// https://docs.gitlab.com/security/tokens/#feed-token — feed tokens `glft-`.
export const gitlabFeedToken = gitlab('gitlab-feed-token', 'GitLab feed token', 'glft-', B64URL, [20, 60], ALNUM, {
  privilege: 'read',
  scope: 'RSS/Atom feeds and calendars of the user (issue titles, activity)',
  lifetime: 'unbounded',
}, 20);

// https://docs.gitlab.com/security/tokens/#incoming-email-token — incoming email tokens `glimt-`.
export const gitlabIncomingMailToken = gitlab('gitlab-incoming-mail-token', 'GitLab incoming email token', 'glimt-', B64URL, [25, 60], ALNUM, {
  privilege: 'write',
  scope: 'creates issues and merge requests as the user by email',
  lifetime: 'unbounded',
}, 25);

// https://docs.gitlab.com/integration/oauth_provider/ — OAuth application secrets `gloas-` + 64 hex.
export const gitlabOauthAppSecret = gitlab('gitlab-oauth-app-secret', 'GitLab OAuth application secret', 'gloas-', 'a-f0-9', 64, HEX, {
  privilege: 'write',
  scope: 'impersonates a GitLab OAuth application (token exchange for its users)',
  lifetime: 'unbounded',
});

// https://docs.gitlab.com/user/clusters/agent/ — Kubernetes agent tokens `glagent-` + 50.
export const gitlabAgentToken = gitlab('gitlab-agent-token', 'GitLab agent for Kubernetes token', 'glagent-', B64URL, [50, 80], ALNUM, {
  privilege: 'admin',
  scope: 'connects a Kubernetes cluster to GitLab (deployments into the cluster)',
  lifetime: 'unbounded',
}, 50);
