/**
 * The schemas are zod/mini, which has no messages of its own: without shared/zod-messages.ts every reason
 * would read "Invalid input". Nothing here loads classic zod (which would install its English messages for
 * everyone, as it does in a process that also runs the local system), so this sees what a bundle sees.
 */
import { serial, userId } from '../../../functions/api/contract/schemas';
import { offlineDataSchema } from '../../../shared/agent/offline-data-schema';

const messagesOf = (result: { success: boolean; error?: { issues: { message: string }[] } }) =>
  result.error?.issues.map((issue) => issue.message) ?? [];

describe('validation messages', () => {
  it("are zod's English ones where a schema gives none", () => {
    expect(messagesOf(serial.safeParse(7))).toEqual(['Invalid input: expected string, received number']);
    expect(messagesOf(offlineDataSchema.safeParse({ format: 'x' }))).toContain(
      'Invalid input: expected string, received undefined',
    );
  });

  it("keep a schema's own message", () => {
    expect(messagesOf(userId.safeParse('not a user id!'))).toEqual([
      'a user id is 1-128 of A-Z a-z 0-9 . _ @ + -',
    ]);
  });
});
