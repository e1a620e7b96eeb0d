import { MemoryTokenStore } from '../../../../../shared/adapters/memory/memory-token-store';
import { tokenStoreContract } from '../../../../support/token-store-contract';

const store = new MemoryTokenStore();

tokenStoreContract('MemoryTokenStore', () => store);
