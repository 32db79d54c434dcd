import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one attempt (SPEC §9): `v1,` and the base64 HMAC-SHA256 of
 * "{id}.{timestamp}.{body}" keyed by the base64-decoded secret after `whsec_`, by the scheme's own
 * package (checked against the scheme's published test vector in test/webhooks/signing.test.ts).
 */
export function signedHeaders(secret: string, messageId: string, at: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(at.getTime() / 1000);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': new Webhook(secret).sign(messageId, new Date(timestamp * 1000), body),
  };
}
