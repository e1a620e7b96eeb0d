import { ValidationError } from '../../../shared/domain/errors';
import { aToken } from '../../support/fixtures';
import { createTestTable, type TestTable } from '../../support/table';
import { tokenStoreContract } from '../../support/token-store-contract';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(async () => {
  await table.drop();
  table.client.destroy();
});

tokenStoreContract('DynamoDbTokenStore on DynamoDB Local', () => table.store);

describe('DynamoDbTokenStore cursors', () => {
  it('refuses a DynamoDB key bent towards another domain', async () => {
    for (const serial of ['CURS00000001', 'CURS00000002']) {
      await table.store.saveToken(aToken({ serial, securityDomain: 'Cursors' }));
    }
    const page = await table.store.findTokensInDomain('Cursors', {}, { limit: 1 });
    const key = JSON.parse(Buffer.from(page.cursor!, 'base64url').toString()) as Record<string, string>;
    const forged = Buffer.from(JSON.stringify({ ...key, domainKey: 'DOMAIN#OtherDomain' })).toString(
      'base64url',
    );
    await expect(
      table.store.findTokensInDomain('Cursors', {}, { limit: 5, cursor: forged }),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
