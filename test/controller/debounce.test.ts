import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Debouncer } from '../../src/controller/debounce.ts';

test('a burst becomes one run; a steady stream still runs by the cap', async () => {
  let runs = 0;
  const d = new Debouncer(() => runs++, 40, 120);
  for (let i = 0; i < 5; i++) d.trigger();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(runs, 1);
  // Trigger every 20 ms for 300 ms: the 40 ms quiet period never comes, the 120 ms cap does.
  runs = 0;
  const t = setInterval(() => d.trigger(), 20);
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(t);
  d.cancel();
  assert.ok(runs >= 1, `expected capped runs, got ${runs}`);
});
