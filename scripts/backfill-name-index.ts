/**
 * The `byLastName` index (issue 16) holds a token once its item carries `lastNameShard`, which the store
 * writes with every save of a token since then. Items saved before lack it: this adds it to each, once,
 * after the index exists (docs/deploy.md). Run it in one region; the global table replicates the change.
 *
 *   TABLE_NAME=eat-tokens AWS_REGION=eu-west-1 npx tsx scripts/backfill-name-index.ts
 *
 * A Scan of the token items, then one conditional UpdateItem per item that lacks the attribute: written
 * only if the item is still at the version read (a save meanwhile wrote the attribute itself). It changes
 * no version and no entity field, so no ETag and no reader notices. Safe to run again.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { lastNameShardOf, normalizeName, SK } from '../shared/adapters/dynamodb/keys';
import { KEY } from '../shared/adapters/dynamodb/table-schema';

export async function backfillNameIndex(
  client: DynamoDBClient,
  tableName: string,
): Promise<{ scanned: number; updated: number }> {
  const documents = DynamoDBDocumentClient.from(client);
  let scanned = 0;
  let updated = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#sk = :token AND attribute_not_exists(#shard)',
        ExpressionAttributeNames: { '#sk': KEY.sort, '#shard': 'lastNameShard' },
        ExpressionAttributeValues: { ':token': SK.token },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      scanned += 1;
      const lastName = normalizeName((item.user as { lastName?: string } | null)?.lastName ?? '');
      if (lastName === '') continue;
      try {
        await documents.send(
          new UpdateCommand({
            TableName: tableName,
            Key: { [KEY.partition]: item[KEY.partition], [KEY.sort]: item[KEY.sort] },
            UpdateExpression: 'SET #shard = :shard',
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#shard': 'lastNameShard', '#version': 'version' },
            ExpressionAttributeValues: { ':shard': lastNameShardOf(lastName), ':version': item.version },
          }),
        );
        updated += 1;
      } catch (error) {
        // Saved meanwhile: that save wrote the attribute.
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { scanned, updated };
}

if (require.main === module) {
  const tableName = process.env.TABLE_NAME;
  if (!tableName) {
    process.stderr.write('TABLE_NAME is required\n');
    process.exit(2);
  }
  backfillNameIndex(new DynamoDBClient({}), tableName).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
