/** The erasure key of the stores tests open (outside n8n, a store is given its key explicitly). */
import { ErasureKey } from '../../nodes/core/store/erasureKey';

export const TEST_ERASURE_KEY = ErasureKey.fromSecret('test stores: a throwaway secret');
