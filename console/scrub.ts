import { redactSecrets } from '../lib/redact';

/** Any URL of a database or server scheme (with or without credentials): the page names connections, never addresses. */
const CONNECTION_URL = /\b(?:postgres(?:ql)?|mongodb(?:\+srv)?|mysql|mariadb|redis|rediss|cassandra|dynamodb):\/\/[^\s"'\\]+/gi;

/** Text bound for the browser, with connection URLs removed and configured secrets scrubbed. */
export function scrubForPage(text: string): string {
  return redactSecrets(text).replace(CONNECTION_URL, '[connection URL]');
}
