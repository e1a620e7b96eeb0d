/** The pepper adapters, and a factory that picks one from configuration. */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Pepper } from '../../ports/pepper';
import { KmsPepper } from './kms-pepper';
import { LocalPepper } from './local-pepper';

export { KmsPepper, PEPPER_MAC_ALGORITHM } from './kms-pepper';
export { LocalPepper } from './local-pepper';

export type PepperConfig =
  /** AWS: this region's multi-region HMAC key. */
  | { kind: 'kms'; client: KMSClient; keyArn: string }
  /** Local: HMAC-SHA256 under the key in `keyFile`, created first when `createKeyFile` is set. */
  | { kind: 'local'; keyFile: string; createKeyFile?: boolean };

export async function createPepper(config: PepperConfig): Promise<Pepper> {
  switch (config.kind) {
    case 'kms':
      return new KmsPepper(config.client, config.keyArn);
    case 'local':
      return LocalPepper.fromKeyFile(config.keyFile, config.createKeyFile === true);
  }
}
