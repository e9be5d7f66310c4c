/**
 * The registry of built-in credential rules: one explicit, ordered array (no globbing, no
 * decorators). Add a rule: write it in its provider's file (with its docs link, keywords, reach
 * and generated examples), export it, and list it here. `test/detect/rules/examples.test.ts`
 * proves every rule listed here against its own examples.
 *
 * Order matters only as documentation; overlaps between rules are resolved by the engine using
 * `priority` (see `Detector.priority`).
 */
import type { Detector } from '../types.js';
import { ageSecretKey } from './age.js';
import { anthropicAdminKey, anthropicApiKey } from './anthropic.js';
import { atlassianApiToken, atlassianLegacyApiToken, bitbucketAppPassword } from './atlassian.js';
import { awsAccessKey, awsAccessKeyId, awsSecretAccessKey, awsSessionToken } from './aws.js';
import { azureAdClientSecret, azureDevopsPat, azureSasToken, azureSharedAccessKey, azureStorageAccountKey } from './azure.js';
import { braintreeAccessToken, braintreeSandboxAccessToken } from './braintree.js';
import { brevoApiKey } from './brevo.js';
import { contentfulPat } from './contentful.js';
import { adoConnectionString, amqpUrl, jdbcConnectionString, mongodbUrl, mysqlUrl, postgresUrl, redisUrl } from './database-urls.js';
import { databricksToken } from './databricks.js';
import { datadogApiKey, datadogAppKey } from './datadog.js';
import { digitaloceanOauthToken, digitaloceanPat, digitaloceanRefreshToken } from './digitalocean.js';
import { discordBotToken, discordWebhookUrl } from './discord.js';
import { dockerHubAccessToken } from './docker.js';
import { dopplerToken } from './doppler.js';
import { dropboxAccessToken } from './dropbox.js';
import { figmaPat } from './figma.js';
import { firebaseCloudMessagingServerKey } from './firebase.js';
import {
  githubClassicPat,
  githubFineGrainedPat,
  githubOauthToken,
  githubRefreshToken,
  githubServerToServerToken,
  githubUserToServerToken,
} from './github.js';
import {
  gitlabAgentToken,
  gitlabCiJobToken,
  gitlabDeployToken,
  gitlabFeedToken,
  gitlabIncomingMailToken,
  gitlabOauthAppSecret,
  gitlabPat,
  gitlabPipelineTriggerToken,
  gitlabRunnerRegistrationToken,
  gitlabRunnerToken,
} from './gitlab.js';
import {
  gcpServiceAccountKey,
  googleApiKey,
  googleOauthAccessToken,
  googleOauthClientSecret,
  googleOauthRefreshToken,
} from './google.js';
import { grafanaCloudToken, grafanaServiceAccountToken } from './grafana.js';
import { groqApiKey } from './groq.js';
import { terraformCloudToken, vaultBatchToken, vaultServiceToken } from './hashicorp.js';
import { herokuApiKey, herokuLegacyApiKey } from './heroku.js';
import { huggingfaceToken } from './huggingface.js';
import { linearApiKey, linearOauthToken } from './linear.js';
import { mailchimpApiKey } from './mailchimp.js';
import { mailgunApiKey } from './mailgun.js';
import { mapboxSecretToken } from './mapbox.js';
import { newrelicInsertKey, newrelicUserApiKey } from './newrelic.js';
import { notionIntegrationToken, notionLegacyIntegrationToken } from './notion.js';
import { npmAccessToken } from './npm.js';
import { oktaApiToken } from './okta.js';
import { onepasswordServiceAccountToken } from './onepassword.js';
import { openaiAdminKey, openaiApiKey } from './openai.js';
import { perplexityApiKey } from './perplexity.js';
import { planetscalePassword, planetscaleToken } from './planetscale.js';
import { postmanApiKey } from './postman.js';
import { pgpPrivateKey, privateKey, puttyPrivateKey } from './private-keys.js';
import { pulumiAccessToken } from './pulumi.js';
import { pypiUploadToken } from './pypi.js';
import { replicateApiToken } from './replicate.js';
import { rubygemsApiKey } from './rubygems.js';
import { sendgridApiKey } from './sendgrid.js';
import { sentryOrgToken, sentryUserToken } from './sentry.js';
import { shopifyAccessToken, shopifyCustomAppToken, shopifyPrivateAppToken, shopifySharedSecret } from './shopify.js';
import {
  slackAppToken,
  slackBotToken,
  slackClientToken,
  slackLegacyToken,
  slackRefreshToken,
  slackRotatingToken,
  slackSessionCookie,
  slackUserToken,
  slackWebhookUrl,
} from './slack.js';
import { squareAccessToken, squareOauthSecret } from './square.js';
import { stripeRestrictedKey, stripeSecretKey, stripeTestKey, stripeWebhookSecret } from './stripe.js';
import { supabaseSecretKey } from './supabase.js';
import { tailscaleKey } from './tailscale.js';
import { telegramBotToken } from './telegram.js';
import { twilioApiKey, twilioAuthToken } from './twilio.js';

export const credentialRules: readonly Detector[] = [
  // github
  githubClassicPat,
  githubOauthToken,
  githubUserToServerToken,
  githubServerToServerToken,
  githubRefreshToken,
  githubFineGrainedPat,
  // slack
  slackBotToken,
  slackUserToken,
  slackAppToken,
  slackRotatingToken,
  slackRefreshToken,
  slackLegacyToken,
  slackClientToken,
  slackSessionCookie,
  slackWebhookUrl,
  // aws
  awsAccessKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  awsSessionToken,
  // google
  googleApiKey,
  googleOauthClientSecret,
  googleOauthAccessToken,
  googleOauthRefreshToken,
  gcpServiceAccountKey,
  // private-keys
  privateKey,
  pgpPrivateKey,
  puttyPrivateKey,
  // stripe
  stripeSecretKey,
  stripeRestrictedKey,
  stripeTestKey,
  stripeWebhookSecret,
  // gitlab
  gitlabPat,
  gitlabDeployToken,
  gitlabRunnerToken,
  gitlabRunnerRegistrationToken,
  gitlabPipelineTriggerToken,
  gitlabCiJobToken,
  gitlabFeedToken,
  gitlabIncomingMailToken,
  gitlabOauthAppSecret,
  gitlabAgentToken,
  // npm
  npmAccessToken,
  // pypi
  pypiUploadToken,
  // rubygems
  rubygemsApiKey,
  // docker
  dockerHubAccessToken,
  // openai
  openaiApiKey,
  openaiAdminKey,
  // anthropic
  anthropicApiKey,
  anthropicAdminKey,
  // huggingface
  huggingfaceToken,
  // groq
  groqApiKey,
  // replicate
  replicateApiToken,
  // perplexity
  perplexityApiKey,
  // twilio
  twilioAuthToken,
  twilioApiKey,
  // sendgrid
  sendgridApiKey,
  // mailgun
  mailgunApiKey,
  // mailchimp
  mailchimpApiKey,
  // brevo
  brevoApiKey,
  // atlassian
  atlassianApiToken,
  bitbucketAppPassword,
  atlassianLegacyApiToken,
  // azure
  azureStorageAccountKey,
  azureSharedAccessKey,
  azureSasToken,
  azureAdClientSecret,
  azureDevopsPat,
  // database-urls
  postgresUrl,
  mysqlUrl,
  mongodbUrl,
  redisUrl,
  amqpUrl,
  jdbcConnectionString,
  adoConnectionString,
  // digitalocean
  digitaloceanPat,
  digitaloceanOauthToken,
  digitaloceanRefreshToken,
  // shopify
  shopifyAccessToken,
  shopifyCustomAppToken,
  shopifyPrivateAppToken,
  shopifySharedSecret,
  // databricks
  databricksToken,
  // okta
  oktaApiToken,
  // hashicorp
  vaultServiceToken,
  vaultBatchToken,
  terraformCloudToken,
  // doppler
  dopplerToken,
  // pulumi
  pulumiAccessToken,
  // sentry
  sentryOrgToken,
  sentryUserToken,
  // linear
  linearApiKey,
  linearOauthToken,
  // notion
  notionIntegrationToken,
  notionLegacyIntegrationToken,
  // discord
  discordBotToken,
  discordWebhookUrl,
  // telegram
  telegramBotToken,
  // heroku
  herokuApiKey,
  herokuLegacyApiKey,
  // square
  squareAccessToken,
  squareOauthSecret,
  // braintree
  braintreeAccessToken,
  braintreeSandboxAccessToken,
  // postman
  postmanApiKey,
  // grafana
  grafanaServiceAccountToken,
  grafanaCloudToken,
  // newrelic
  newrelicUserApiKey,
  newrelicInsertKey,
  // datadog
  datadogApiKey,
  datadogAppKey,
  // supabase
  supabaseSecretKey,
  // firebase
  firebaseCloudMessagingServerKey,
  // dropbox
  dropboxAccessToken,
  // age
  ageSecretKey,
  // tailscale
  tailscaleKey,
  // onepassword
  onepasswordServiceAccountToken,
  // planetscale
  planetscaleToken,
  planetscalePassword,
  // mapbox
  mapboxSecretToken,
  // contentful
  contentfulPat,
  // figma
  figmaPat,
];
