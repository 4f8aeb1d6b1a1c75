import { MemoryNoticeStore } from '../../lib/stores/memory-notice-store';
import { MemoryRefundStore } from '../../lib/stores/memory-refund-store';
import { noticeStoreContract } from '../helpers/notice-store-contract';
import { refundStoreContract } from '../helpers/refund-store-contract';

describe('MemoryNoticeStore', () => {
  noticeStoreContract(async () => ({ store: new MemoryNoticeStore(), dispose: async () => {} }));
});

describe('MemoryRefundStore', () => {
  refundStoreContract(async () => ({ store: new MemoryRefundStore(), dispose: async () => {} }));
});
