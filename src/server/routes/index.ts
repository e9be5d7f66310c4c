/**
 * Every HTTP route plugin, in one explicit list. To add routes (webhooks, the review API, the
 * console): write a `RoutePlugin` in its own file under this folder and add one line here.
 */
import type { RoutePlugin } from '../app.js';
import { healthRoutes } from './health.js';
import { slackEventsRoutes } from './slack-events.js';
import { jiraWebhookRoutes } from './jira-webhook.js';
import { githubWebhookRoutes } from './github-webhook.js';
import { wellKnownRoutes } from './well-known.js';
import { apiRoutesPlugin } from './api.js';
import { consoleRoutes } from './console.js';

export const routes: readonly RoutePlugin[] = [healthRoutes, slackEventsRoutes, jiraWebhookRoutes, githubWebhookRoutes, wellKnownRoutes, apiRoutesPlugin, consoleRoutes];
