import assert from 'node:assert/strict';
import { BusinessError, MemoryRefundStore, type RefundRequest, Status } from '../../lib/index';
import { APP_ID, refundData } from '../helpers/fixtures';
import { assertStatus, openResponse, useTestApps } from '../helpers/harness';

/** The key and fingerprint the router stores a refund under (see lib/pipeline/dispatch.ts). */
function refundKey(refundOrderId = refundData.refund_order_id): string {
  return JSON.stringify([APP_ID, refundOrderId]);
}
function refundFingerprint(refundFen = 10): string {
  return JSON.stringify([refundData.order_id, refundData.transaction_id, refundFen]);
}

/** A clock that only moves when the pipeline sleeps. */
function fakeClock(start = 1_700_000_000_000) {
  const clock = {
    time: start,
    sleeps: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.time += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return clock;
}

describe('createZhichiRouter: refunds run once', () => {
  const apps = useTestApps();

  function countingRefund(result: () => Promise<unknown> = async () => ({ refund_id: 'R-1' })) {
    const seen: RefundRequest[] = [];
    return {
      seen,
      refund: async (request: RefundRequest) => {
        seen.push(request);
        return (await result()) as { refund_id: string };
      },
    };
  }

  for (const signType of ['MD5', 'PKCS#7']) {
    it(`answers the same refund asked twice in a row from one handler run (${signType})`, async () => {
      const { seen, refund } = countingRefund();
      const { platform } = apps.create({ refund });
      const sim = platform(signType);
      const first = await sim.refund(refundData);
      const second = await sim.refund(refundData);
      assert.equal(seen.length, 1);
      assert.equal(first.status, 0);
      assert.equal(second.status, 0);
      assert.equal(second.body, first.body, 'the same answer, byte for byte');
      assert.deepEqual(openResponse(second.envelope), { refund_id: 'R-1' });
    });
  }

  it('runs the handler once for 5 concurrent duplicates and answers all the same', async () => {
    const { seen, refund } = countingRefund(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return { refund_id: 'R-2' };
    });
    const sleeps: number[] = [];
    const { platform } = apps.create({
      refund,
      sleep: async (ms) => {
        sleeps.push(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const sim = platform();
    const answers = await Promise.all(Array.from({ length: 5 }, () => sim.refund(refundData)));
    assert.equal(seen.length, 1);
    for (const res of answers) {
      assert.equal(res.status, 0);
      assert.equal(res.body, answers[0]?.body);
      assert.deepEqual(openResponse(res.envelope), { refund_id: 'R-2' });
    }
    assert.deepEqual(
      sleeps,
      [],
      'duplicates in one process share the run, without polling the store',
    );
  });

  it('runs two different refunds of one order separately', async () => {
    const { seen, refund } = countingRefund();
    const { platform } = apps.create({ refund });
    const sim = platform();
    await sim.refund(refundData);
    await sim.refund({ ...refundData, refund_order_id: 'another-refund' });
    assert.equal(seen.length, 2);
  });

  it('remembers a business refusal and answers it again without calling the handler', async () => {
    const { seen, refund } = countingRefund(async () => {
      throw new BusinessError('余额不足');
    });
    const { platform } = apps.create({ refund });
    const sim = platform();
    const first = await sim.refund(refundData);
    const second = await sim.refund(refundData);
    assertStatus(first, Status.BUSINESS_ERROR);
    assertStatus(second, Status.BUSINESS_ERROR);
    assert.equal(second.msg, '余额不足');
    assert.equal(seen.length, 1);
  });

  it('shares a business refusal among concurrent duplicates', async () => {
    const { seen, refund } = countingRefund(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new BusinessError('退款已关闭');
    });
    const { platform } = apps.create({ refund });
    const sim = platform();
    const answers = await Promise.all(Array.from({ length: 5 }, () => sim.refund(refundData)));
    assert.equal(seen.length, 1);
    for (const res of answers) assert.equal(res.msg, '退款已关闭');
  });

  it('releases the claim after an unexpected error so the retry calls the handler again', async () => {
    let fail = true;
    const { seen, refund } = countingRefund(async () => {
      if (fail) throw new Error('channel unreachable');
      return { refund_id: 'R-3' };
    });
    const store = new MemoryRefundStore();
    const { platform } = apps.create({ refund, refundStore: store });
    const sim = platform();
    const first = await sim.refund(refundData);
    assertStatus(first, Status.INTERNAL_ERROR);
    assert.equal(await store.getRefund(refundKey()), undefined, 'no claim is left behind');
    fail = false;
    const second = await sim.refund(refundData);
    assert.equal(second.status, 0);
    assert.deepEqual(openResponse(second.envelope), { refund_id: 'R-3' });
    assert.equal(seen.length, 2);
    const third = await sim.refund(refundData);
    assert.equal(third.body, second.body);
    assert.equal(seen.length, 2);
  });

  it('releases the claim after an invalid handler result too', async () => {
    let bad = true;
    const { seen, refund } = countingRefund(async () => (bad ? 'nonsense' : { refund_id: 'R-4' }));
    const { platform } = apps.create({ refund });
    const sim = platform();
    assertStatus(await sim.refund(refundData), Status.INTERNAL_ERROR);
    bad = false;
    assert.equal((await sim.refund(refundData)).status, 0);
    assert.equal(seen.length, 2);
  });

  it('refuses the same refund_order_id with a different amount (40005), in flight or done', async () => {
    const { seen, refund } = countingRefund(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { refund_id: 'R-5' };
    });
    const { platform } = apps.create({ refund });
    const sim = platform();
    const [first, concurrent] = await Promise.all([
      sim.refund(refundData),
      sim.refund({ ...refundData, refund_price: '0.20' }),
    ]);
    assert.equal(first.status, 0);
    assertStatus(concurrent, Status.INVALID_DATA);
    assert.match(concurrent.msg ?? '', /refund_order_id/);
    const later = await sim.refund({ ...refundData, refund_price: '0.11' });
    assertStatus(later, Status.INVALID_DATA);
    const laterOther = await sim.refund({
      ...refundData,
      transaction_id: '4200000000000000000000000000',
    });
    assertStatus(laterOther, Status.INVALID_DATA);
    assert.equal(seen.length, 1);
  });

  it('treats the same amount written differently as the same refund', async () => {
    const { seen, refund } = countingRefund();
    const { platform } = apps.create({ refund });
    const sim = platform();
    assert.equal((await sim.refund({ ...refundData, refund_price: '0.10' })).status, 0);
    assert.equal((await sim.refund({ ...refundData, refund_price: '0.1' })).status, 0);
    assert.equal((await sim.refund({ ...refundData, refund_price: 0.1 })).status, 0);
    assert.equal(seen.length, 1);
  });

  it('keeps refunds of two apps with the same refund_order_id apart', async () => {
    const { seen, refund } = countingRefund();
    const { platform } = apps.create({
      refund,
      apps: { [APP_ID]: { md5Key: 'k1' }, other: { md5Key: 'k2' } },
    });
    await platform('MD5', { md5Key: 'k1' }).refund(refundData);
    await platform('MD5', { md5Key: 'k2', appId: 'other' }).refund(refundData);
    assert.equal(seen.length, 2);
  });

  describe('a refund another process holds in a shared store', () => {
    it('waits for it, then answers 40900 at the deadline without calling the handler', async () => {
      const clock = fakeClock();
      const store = new MemoryRefundStore();
      const claim = await store.claimRefund(refundKey(), refundFingerprint(), clock.now(), 600_000);
      assert.ok(claim.claimed);
      const { seen, refund } = countingRefund();
      const { platform } = apps.create({
        refund,
        refundStore: store,
        handlerTimeoutMs: 1000,
        now: clock.now,
        sleep: clock.sleep,
      });
      const res = await platform().refund(refundData);
      assertStatus(res, Status.REFUND_IN_PROGRESS);
      assert.match(res.msg ?? '', /already being processed/);
      assert.equal(seen.length, 0);
      assert.ok(clock.sleeps.length >= 2, 'it polled the store');
      const waited = clock.sleeps.reduce((a, b) => a + b, 0);
      assert.ok(waited >= 1000 && waited < 1200, `waited ${waited} ms of fake time`);
    });

    it('answers the other process’s outcome when it completes while we wait', async () => {
      const clock = fakeClock();
      const store = new MemoryRefundStore();
      const claim = await store.claimRefund(refundKey(), refundFingerprint(), clock.now(), 600_000);
      assert.ok(claim.claimed);
      const sleep = async (ms: number) => {
        await clock.sleep(ms);
        if (clock.sleeps.length === 3) {
          await store.completeRefund(
            refundKey(),
            claim.token,
            { kind: 'refunded', data: { refund_id: 'FROM-OTHER' } },
            clock.now(),
          );
        }
      };
      const { seen, refund } = countingRefund();
      const { platform } = apps.create({
        refund,
        refundStore: store,
        handlerTimeoutMs: 1000,
        now: clock.now,
        sleep,
      });
      const res = await platform().refund(refundData);
      assert.equal(res.status, 0, res.body);
      assert.deepEqual(openResponse(res.envelope), { refund_id: 'FROM-OTHER' });
      assert.equal(seen.length, 0);
    });

    it('runs the refund itself when the other process gives its claim back while we wait', async () => {
      const clock = fakeClock();
      const store = new MemoryRefundStore();
      const claim = await store.claimRefund(refundKey(), refundFingerprint(), clock.now(), 600_000);
      assert.ok(claim.claimed);
      const sleep = async (ms: number) => {
        await clock.sleep(ms);
        // The other process's handler failed unexpectedly: it releases the claim.
        if (clock.sleeps.length === 2) await store.releaseRefund(refundKey(), claim.token);
      };
      const { seen, refund } = countingRefund();
      const { platform } = apps.create({
        refund,
        refundStore: store,
        handlerTimeoutMs: 1000,
        now: clock.now,
        sleep,
      });
      const res = await platform().refund(refundData);
      assert.equal(res.status, 0, res.body);
      assert.equal(seen.length, 1);
      assert.equal((await store.getRefund(refundKey()))?.state, 'done');
    });

    it('answers a refusal the other process recorded', async () => {
      const store = new MemoryRefundStore();
      const claim = await store.claimRefund(refundKey(), refundFingerprint(), Date.now(), 600_000);
      assert.ok(claim.claimed);
      await store.completeRefund(
        refundKey(),
        claim.token,
        { kind: 'refused', code: 'BUSINESS_ERROR', message: '已退款' },
        Date.now(),
      );
      const { seen, refund } = countingRefund();
      const res = await apps.create({ refund, refundStore: store }).platform().refund(refundData);
      assertStatus(res, Status.BUSINESS_ERROR);
      assert.equal(res.msg, '已退款');
      assert.equal(seen.length, 0);
    });

    it('takes over a claim whose lease has run out', async () => {
      const clock = fakeClock();
      const store = new MemoryRefundStore();
      await store.claimRefund(refundKey(), refundFingerprint(), clock.now() - 10_000, 5_000);
      const { seen, refund } = countingRefund();
      const res = await apps
        .create({ refund, refundStore: store, now: clock.now, sleep: clock.sleep })
        .platform()
        .refund(refundData);
      assert.equal(res.status, 0);
      assert.equal(seen.length, 1);
      assert.equal((await store.getRefund(refundKey()))?.state, 'done');
    });

    it('two routers on one store run a refund once', async () => {
      const store = new MemoryRefundStore();
      const { seen, refund } = countingRefund(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        return { refund_id: 'R-6' };
      });
      const a = apps.create({ refund, refundStore: store });
      const b = apps.create({ refund, refundStore: store, handlerTimeoutMs: 2000 });
      const [ra, rb] = await Promise.all([
        a.platform().refund(refundData),
        new Promise((resolve) => setTimeout(resolve, 5)).then(() =>
          b.platform().refund(refundData),
        ),
      ]);
      assert.equal(seen.length, 1);
      assert.equal(ra.status, 0);
      assert.equal(rb.status, 0);
      assert.deepEqual(openResponse(rb.envelope), { refund_id: 'R-6' });
    });
  });

  it('records what a timed-out refund handler finally did, so the retry does not run it again', async () => {
    let finish: ((value: { refund_id: string }) => void) | undefined;
    const { seen, refund } = countingRefund(
      () => new Promise<{ refund_id: string }>((resolve) => (finish = resolve)),
    );
    const store = new MemoryRefundStore();
    const { platform } = apps.create({ refund, refundStore: store, handlerTimeoutMs: 30 });
    const sim = platform();
    assertStatus(await sim.refund(refundData), Status.INTERNAL_ERROR);
    assert.equal((await store.getRefund(refundKey()))?.state, 'pending');
    finish?.({ refund_id: 'LATE' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const retry = await sim.refund(refundData);
    assert.equal(retry.status, 0, retry.body);
    assert.deepEqual(openResponse(retry.envelope), { refund_id: 'LATE' });
    assert.equal(seen.length, 1);
  });
});
