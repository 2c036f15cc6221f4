import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TtlCache } from './ttl-cache.ts';

function clock(): { now: () => number; at: (t: number) => void } {
  let t = 0;
  return { now: () => t, at: (v) => (t = v) };
}

test('a fresh entry is served without loading', async () => {
  const c = clock();
  const cache = new TtlCache<number>(10, c.now);
  let loads = 0;
  const load = async () => ++loads;
  assert.equal(await cache.fetch('k', load, () => 1000, 1000), 1);
  c.at(500);
  assert.equal(await cache.fetch('k', load, () => 1000, 1000), 1);
  assert.equal(loads, 1);
});

test('an expired entry is served stale while one load refreshes it', async () => {
  const c = clock();
  const cache = new TtlCache<string>(10, c.now);
  await cache.fetch('k', async () => 'old', () => 100, 1000);
  let release: (v: string) => void = () => {};
  let loads = 0;
  const slow = () => {
    loads++;
    return new Promise<string>((r) => (release = r));
  };
  c.at(200);
  assert.equal(await cache.fetch('k', slow, () => 100_000, 1000), 'old');
  assert.equal(await cache.fetch('k', slow, () => 100_000, 1000), 'old');
  assert.equal(loads, 1, 'one refresh for many callers');
  release('new');
  await new Promise((r) => setImmediate(r));
  assert.equal(await cache.fetch('k', slow, () => 100_000, 1000), 'new');
});

test('past the grace period the caller waits for the fresh value', async () => {
  const c = clock();
  const cache = new TtlCache<string>(10, c.now);
  await cache.fetch('k', async () => 'old', () => 10, 10);
  c.at(1000);
  assert.equal(await cache.fetch('k', async () => 'new', () => 10, 10), 'new');
});

test('the oldest entry goes when the cache is full', () => {
  const cache = new TtlCache<number>(2, () => 0);
  cache.set('a', 1, 1000);
  cache.set('b', 2, 1000);
  cache.set('c', 3, 1000);
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.get('c'), 3);
});
