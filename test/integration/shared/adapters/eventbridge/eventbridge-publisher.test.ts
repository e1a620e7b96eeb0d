/**
 * The EventBridge publisher against the run's moto server: events put on a bus of their own, routed by a
 * rule on the source (as the CDK app's example rule does) to a queue, arrive whole, with their
 * detail-type; more than one PutEvents call's worth go in several calls.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../../../../shared/adapters/eventbridge/eventbridge-publisher';
import { DependencyUnavailableError } from '../../../../../shared/domain/errors';
import { identityEventOf, type IdentityEvent } from '../../../../../shared/domain/identity-events';

const endpoint = () => {
  const value = process.env.KMS_ENDPOINT;
  if (!value)
    throw new Error('KMS_ENDPOINT is not set: run the integration project, whose global setup starts moto');
  return value;
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const REGION = 'eu-west-1';

/** SQS's JSON protocol over fetch (moto does not check signatures): the test's only SQS calls. */
async function sqs<T>(action: string, body: object): Promise<T> {
  const reply = await fetch(endpoint(), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!reply.ok) throw new Error(`SQS ${action}: ${reply.status} ${await reply.text()}`);
  return (await reply.json()) as T;
}

function eventNumber(n: number): IdentityEvent {
  return identityEventOf(
    {
      eventId: n.toString(16).padStart(24, '0'),
      serial: '000100000001',
      at: new Date(Date.UTC(2026, 10, 30, 23, 0, n)).toISOString(),
      action: n % 2 === 0 ? 'emergency-access.view' : 'emergency-access.issued',
      actor: 'jane.admin',
      region: REGION,
      outcome: 'success',
      requestId: `req-${n}`,
      details: { generation: n },
    },
    { userId: 'alice', securityDomain: 'SystemDomain' },
  )!;
}

describe('EventBridgePublisher against moto', () => {
  const client = new EventBridgeClient({ region: REGION, endpoint: endpoint(), credentials, maxAttempts: 1 });
  afterAll(() => client.destroy());

  it('puts every event on the bus; a rule on the source routes them whole to its target', async () => {
    const bus = `identity-${Date.now()}`;
    await client.send(new CreateEventBusCommand({ Name: bus }));
    const { QueueUrl } = await sqs<{ QueueUrl: string }>('CreateQueue', { QueueName: bus });
    const { Attributes } = await sqs<{ Attributes: { QueueArn: string } }>('GetQueueAttributes', {
      QueueUrl,
      AttributeNames: ['QueueArn'],
    });
    await client.send(
      new PutRuleCommand({
        Name: 'to-queue',
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: ['eat.emergency-access'] }),
      }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'to-queue',
        EventBusName: bus,
        Targets: [{ Id: 'q', Arn: Attributes.QueueArn }],
      }),
    );

    const events = Array.from({ length: 12 }, (_, n) => eventNumber(n + 1));
    await new EventBridgePublisher(client, bus).publish(events);

    const bodies: { 'detail-type': string; source: string; detail: IdentityEvent['detail'] }[] = [];
    for (let round = 0; round < 10 && bodies.length < events.length; round += 1) {
      const { Messages = [] } = await sqs<{ Messages?: { Body: string }[] }>('ReceiveMessage', {
        QueueUrl,
        MaxNumberOfMessages: 10,
      });
      bodies.push(...Messages.map((m) => JSON.parse(m.Body)));
    }
    expect(bodies).toHaveLength(12);
    const byId = new Map(bodies.map((b) => [b.detail.eventId, b]));
    for (const event of events) {
      expect(byId.get(event.detail.eventId)).toMatchObject({
        source: 'eat.emergency-access',
        'detail-type': event.detailType,
        detail: event.detail,
      });
    }
  });

  it('fails, for the stream to deliver again, when the bus cannot be reached', async () => {
    const down = new EventBridgeClient({
      region: REGION,
      endpoint: 'http://127.0.0.1:9',
      credentials,
      maxAttempts: 1,
    });
    await expect(new EventBridgePublisher(down, 'default').publish([eventNumber(1)])).rejects.toThrow(
      DependencyUnavailableError,
    );
    down.destroy();
  });
});
