/** The sealing adapters, and a factory that picks one from configuration. */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { Sealer } from '../../ports/sealer';
import { KmsSealer } from './kms-sealer';
import { ensureLocalKeyFile, LocalSealer } from './local-sealer';

export { KmsSealer, kmsError, KMS_DEPENDENCY, type KmsSealerOptions } from './kms-sealer';
export {
  ensureLocalKeyFile,
  LOCAL_KEY_BYTES,
  LocalSealer,
  localKeyIdOf,
  readLocalKeyFile,
} from './local-sealer';

export type SealerConfig =
  /** AWS: this region's multi-region key, through the process's one KMS client. */
  | { kind: 'kms'; client: KMSClient; keyArn: string }
  /** Local: AES-256-GCM under the key in `keyFile`, created first when `createKeyFile` is set. */
  | { kind: 'local'; keyFile: string; createKeyFile?: boolean };

export async function createSealer(config: SealerConfig): Promise<Sealer> {
  switch (config.kind) {
    case 'kms':
      return new KmsSealer({ client: config.client, keyArn: config.keyArn });
    case 'local':
      if (config.createKeyFile === true) await ensureLocalKeyFile(config.keyFile);
      return LocalSealer.fromKeyFile(config.keyFile);
  }
}
