import { expect, test } from 'vitest';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { DomainError } from '../web/errors.js';
import { inSharedTransaction } from './group-commit.js';

// Calls made together share a transaction on SQLite. A refusal thrown before writing costs nobody anything; an
// unexpected failure after writing undoes only that call's writes (the batch is replayed one by one).

describeEachDialect('shared transactions for sign-ups', (ctx) => {
  const keys = async () =>
    (await ctx.db.selectFrom('settings').select('key').where('key', 'like', 'gc.%').orderBy('key').execute()).map((r) => r.key);

  test('each call is committed or refused on its own, whatever the others do', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        inSharedTransaction(ctx.db, async (trx) => {
          if (i === 7) throw new DomainError('invalid', 'refused before writing');
          await trx
            .insertInto('settings')
            .values({ key: `gc.${String(i).padStart(2, '0')}`, value: '1', updated_at: Date.now() })
            .execute();
          if (i === 4) throw new Error('failed after writing');
          return i;
        }),
      ),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      0,
      1,
      2,
      3,
      'failed after writing',
      5,
      6,
      'refused before writing',
      8,
      9,
      10,
      11,
    ]);
    expect((results[7] as PromiseRejectedResult).reason).toBeInstanceOf(DomainError);
    expect(await keys()).toEqual(['gc.00', 'gc.01', 'gc.02', 'gc.03', 'gc.05', 'gc.06', 'gc.08', 'gc.09', 'gc.10', 'gc.11']);
  });

  test('a call is answered only once its writes are committed', async () => {
    let seenBeforeAnswer = false;
    await inSharedTransaction(ctx.db, async (trx) => {
      await trx.insertInto('settings').values({ key: 'gc.committed', value: '1', updated_at: Date.now() }).execute();
    }).then(async () => {
      seenBeforeAnswer =
        (await ctx.db.selectFrom('settings').select('key').where('key', '=', 'gc.committed').executeTakeFirst()) !== undefined;
    });
    expect(seenBeforeAnswer).toBe(true);
  });
});
