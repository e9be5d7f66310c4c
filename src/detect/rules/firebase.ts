/** Firebase Cloud Messaging legacy server keys: `AAAA` + 7 + `:APA91b` + 134. */
import { BASE64URL, placements, randomBody } from './gen.js';
import { patternRule } from './kit.js';

// https://firebase.google.com/docs/cloud-messaging/auth-server — legacy server keys `AAAA<7>:APA91b<134>` (device tokens lack the `AAAA` head).
const SERVER_KEY = /(?<![A-Za-z0-9_:-])AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134}(?![A-Za-z0-9_-])/g;

export const firebaseCloudMessagingServerKey = patternRule({
  id: 'firebase-cloud-messaging-server-key',
  name: 'Firebase Cloud Messaging server key (legacy)',
  docs: 'https://firebase.google.com/docs/cloud-messaging/auth-server',
  keywords: [':APA91b'],
  reach: { privilege: 'write', scope: 'sends push notifications to every user of the app', lifetime: 'unbounded' },
  pattern: SERVER_KEY,
  anchor: { literal: ':APA91b', before: 11, after: 134 },
  body: (s) => s.slice(18),
  examples: () => {
    const k = `AAAA${randomBody(BASE64URL, 7)}:APA91b${randomBody(BASE64URL, 134)}`;
    return {
      match: placements(k, 'FCM_SERVER_KEY'),
      ignore: [`registration_id: ${randomBody(BASE64URL, 11)}:APA91b${randomBody(BASE64URL, 134)}`, `AAAA${randomBody(BASE64URL, 7)}:APA91b${'x'.repeat(134)}`],
    };
  },
});
