// bench:profile's reading of a V8 CPU profile, on a made-up profile whose arithmetic is plain:
// root → scheduleOne → prioritize, root → (garbage collector); 10 samples of 1 ms each.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarise } from '../../benchmarks/profile.js';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

test('self time per function and inclusive shares of the subsystems, in % of all samples', () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
      { id: 2, callFrame: frame('scheduleOne', 'file:///x/dist/src/scheduler/scheduler.js'), children: [3] },
      { id: 3, callFrame: frame('prioritize', 'file:///x/dist/src/scheduler/runtime.js') },
      { id: 4, callFrame: frame('(garbage collector)', '') },
    ],
    // scheduleOne itself 2 samples, prioritize 5, GC 3.
    samples: [2, 3, 3, 2, 3, 4, 3, 4, 3, 4],
    timeDeltas: Array.from({ length: 10 }, () => 1000),
  };
  const r = summarise('Made-up', profile, 2);
  assert.is(r.profiledMs, 10);
  // Self: prioritize 5/10, GC 3/10 (top 2 only).
  assert.equal(r.selfTop, [
    { function: 'prioritize scheduler/runtime.js:1', percent: 50 },
    { function: '(garbage collector) :1', percent: 30 },
  ]);
  // Inclusive: scheduleOne = its 2 + prioritize's 5 = 70 %; prioritize 50 %; GC 30 %; the rest 0.
  assert.is(r.subsystems['scheduling cycle (scheduleOne)'], 70);
  assert.is(r.subsystems['scoring (prioritize)'], 50);
  assert.is(r.subsystems['garbage collector'], 30);
  assert.is(r.subsystems['API create (ApiServer.create)'], 0);
});

test('the inspector\'s own frames (starting the profiler in-process) are left out of every share', () => {
  // root → scheduleOne (4 samples), root → post node:inspector → dispatch (6 samples): only scheduleOne's 4 ms count.
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
      { id: 2, callFrame: frame('scheduleOne', 'file:///x/dist/src/scheduler/scheduler.js') },
      { id: 3, callFrame: frame('post', 'node:inspector'), children: [4] },
      { id: 4, callFrame: frame('dispatch', '') },
    ],
    samples: [4, 4, 4, 2, 2, 4, 2, 4, 2, 4],
    timeDeltas: Array.from({ length: 10 }, () => 1000),
  };
  const r = summarise('Made-up', profile, 5);
  assert.is(r.profiledMs, 4);
  assert.equal(r.selfTop, [{ function: 'scheduleOne scheduler/scheduler.js:1', percent: 100 }]);
  assert.is(r.subsystems['scheduling cycle (scheduleOne)'], 100);
});

test.run();
