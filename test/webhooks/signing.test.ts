import t from 'tap';
import { Webhook } from 'standardwebhooks';
import { signedHeaders } from '../../src/webhooks/signing.js';
import { newSecret } from '../../src/webhooks/service.js';
import { retryDelayMs } from '../../src/webhooks/drain.js';

t.test("signatures match the Standard Webhooks scheme's published test vector", async (t) => {
  // The vector of the scheme's specification and reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const headers = signedHeaders(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330_000), '{"test": 2432232314}');
  t.same(headers, {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  });
});

t.test('a new secret signs what the verifier accepts, and nothing else', async (t) => {
  const secret = newSecret();
  const body = JSON.stringify({ id: 'e1', type: 'payment.recorded', data: { amountFen: 100 } });
  const headers = signedHeaders(secret, 'e1', new Date(), body);
  t.same(new Webhook(secret).verify(body, headers), JSON.parse(body));
  t.throws(() => new Webhook(secret).verify(body.replace('100', '101'), headers), 'a changed body fails');
  t.throws(() => new Webhook(newSecret()).verify(body, headers), 'another secret fails');
});

t.test('the backoff doubles from the base up to its cap', async (t) => {
  t.same([1, 2, 3, 4].map((a) => retryDelayMs(a, 5_000, 60 * 60_000)), [5_000, 10_000, 20_000, 40_000]);
  t.equal(retryDelayMs(20, 5_000, 60 * 60_000), 60 * 60_000);
  t.equal(retryDelayMs(1_000, 5_000, 60 * 60_000), 60 * 60_000, 'no overflow');
});
