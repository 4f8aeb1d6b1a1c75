import { createNotifier, type Notifier, type NotifierOptions } from '../../lib/notifier';
import { MemoryNoticeStore } from '../../lib/stores/memory-notice-store';
import type { NoticeStore } from '../../lib/stores/notice-store';
import { type MockPlatform, startMockPlatform } from '../../lib/testing/mock-platform';
import { eventually, ManualClock, MemoryLogger } from './manual-clock';

export const MD5_KEY = 'md5-key-0123456789abcdef01234567';
export const AES_KEY = 'aes-key-0123456789abcdef01234567';
export const TOKEN = 'token-0123456789';

/** A notifier on a manual clock, a memory store and a mock platform; dispose() closes all. */
export interface Harness {
  platform: MockPlatform;
  clock: ManualClock;
  logger: MemoryLogger;
  store: NoticeStore;
  notifier: Notifier;
  /** Resolves once the notice has `count` attempts recorded. */
  attempts(id: string, count: number): Promise<void>;
  /** Moves the clock to the notice's next attempt and waits for that attempt to be recorded. */
  retry(id: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function makeHarness(options: Partial<NotifierOptions> = {}): Promise<Harness> {
  const platform = await startMockPlatform({
    apps: { app1: { md5Key: MD5_KEY, aesKey: AES_KEY, aesToken: TOKEN } },
  });
  const clock = new ManualClock();
  const logger = new MemoryLogger();
  const store = options.store ?? new MemoryNoticeStore();
  const notifier = createNotifier({
    appId: 'app1',
    md5Key: MD5_KEY,
    notifyUrl: platform.url,
    store,
    clock,
    timers: clock.timers,
    logger,
    retryJitter: 0,
    ...options,
  });
  const attempts = async (id: string, count: number) => {
    await eventually(
      async () => {
        // Fire the timers the notifier set for "now" after the clock last moved.
        clock.advance(0);
        const notice = await store.getNotice(id);
        return (
          notice !== undefined && notice.attemptCount >= count && notice.leaseOwner === undefined
        );
      },
      5000,
      `${count} attempts on ${id}`,
    );
  };
  return {
    platform,
    clock,
    logger,
    store,
    notifier,
    attempts,
    async retry(id: string) {
      const notice = await store.getNotice(id);
      if (!notice) throw new Error(`no notice ${id}`);
      clock.advanceTo(notice.nextAttemptAt);
      await attempts(id, notice.attemptCount + 1);
    },
    async dispose() {
      await notifier.close();
      await platform.close();
    },
  };
}
