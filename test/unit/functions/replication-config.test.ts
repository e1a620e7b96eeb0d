import { replicationRegions } from '../../../functions/replication-config';

const config = { tableName: 'eat-table', regionName: 'us-east-1' };

describe('REPLICATION_REGIONS', () => {
  it('names the global table in each region, this one among them in the given order', () => {
    expect(replicationRegions(config, 'us-east-1, eu-west-1,ap-southeast-2')).toEqual([
      { region: 'us-east-1', tableName: 'eat-table' },
      { region: 'eu-west-1', tableName: 'eat-table' },
      { region: 'ap-southeast-2', tableName: 'eat-table' },
    ]);
  });

  it("takes a table of each region's own (the local system's)", () => {
    expect(
      replicationRegions(
        { tableName: 'emergency-access-local', regionName: 'local-primary' },
        'local-primary=emergency-access-local,local-replica=emergency-access-local-replica',
      ),
    ).toEqual([
      { region: 'local-primary', tableName: 'emergency-access-local' },
      { region: 'local-replica', tableName: 'emergency-access-local-replica' },
    ]);
  });

  it('is this region alone when unset, and always has this region', () => {
    expect(replicationRegions(config, undefined)).toEqual([{ region: 'us-east-1', tableName: 'eat-table' }]);
    expect(replicationRegions(config, 'eu-west-1')).toEqual([
      { region: 'us-east-1', tableName: 'eat-table' },
      { region: 'eu-west-1', tableName: 'eat-table' },
    ]);
  });

  it.each(['eu-west-1,eu-west-1', 'eu-west-1=', 'a=b=c', 'EU WEST', '=table'])(
    'stops the cold start on %p',
    (value) => {
      expect(() => replicationRegions(config, value)).toThrow(/REPLICATION_REGIONS/);
    },
  );
});
