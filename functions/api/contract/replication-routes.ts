/**
 * The regions' view of a change (issue 17): after a save, whether each region's copy of the token's
 * regionally written items has it yet. Its route and its response schema, in one block.
 */
import * as z from 'zod/mini';
import type { RouteDefinition } from './route';
import { REGIONAL_ITEMS } from '../../../shared/domain/replication';
import { isoTime, serialParams } from './schemas';

const regionalItem = z
  .enum(REGIONAL_ITEMS)
  .check(
    z.describe(
      "which of the items the region writes alone: its administrators' settings or its lockout item",
    ),
  );
const version = z.int().check(z.gte(0), z.describe('the item’s version (0: no such item)'));

export const replicationStatus = z
  .object({
    serial: z.string(),
    writtenIn: z.string().check(z.describe('the region that answered: the one whose saves are followed')),
    written: z.array(
      z.object({
        item: regionalItem,
        version,
        changedAt: z.nullable(isoTime).check(z.describe('when its facts last changed, where the item says')),
      }),
    ),
    changedAt: z
      .nullable(isoTime)
      .check(z.describe('the latest change of the items written (null: none says)')),
    checkedAt: isoTime,
    regions: z.array(
      z.object({
        region: z.string(),
        state: z
          .enum(['origin', 'replicated', 'pending', 'unreachable'])
          .check(
            z.describe(
              'origin: the answering region; replicated: its copy has every item at the written version or later; pending: not yet; unreachable: its table did not answer',
            ),
          ),
        items: z.nullable(z.array(z.object({ item: regionalItem, version }))),
      }),
    ),
    replicatedEverywhere: z.boolean().check(z.describe('true when no region is pending or unreachable')),
  })
  .register(z.globalRegistry, { id: 'ReplicationStatus' });

export const replicationStatusRoute = {
  operationId: 'getReplicationStatus',
  method: 'GET',
  path: '/v1/tokens/{serial}/replication',
  scope: 'eat/admin',
  group: 'admin-replication',
  summary:
    "The regions' view of a change: whether each region already has what was saved on the token in this region",
  params: serialParams,
  response: { status: 200, schema: replicationStatus, description: 'Each region’s copy, compared' },
} as const satisfies RouteDefinition;

export const REPLICATION_ROUTES: readonly RouteDefinition[] = [replicationStatusRoute];
