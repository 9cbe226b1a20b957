// Autoscaler settings: Cluster Autoscaler's names and defaults, Go durations, and one-line errors with the
// field path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_AUTOSCALER_SETTINGS as D, formatGoDuration, parseGoDuration, resolveAutoscalerSettings } from '../../src/controllers/autoscaler/index.js';

const S = 1000;
const M = 60 * S;

test('defaults are Cluster Autoscaler\'s (FAQ parameter table / autoscaling_options.go)', () => {
  const got = {
    scanInterval: D.scanInterval / S,
    expander: D.expander.join(','),
    scaleDownUnneededTime: D.scaleDownUnneededTime / M,
    scaleDownDelayAfterAdd: D.scaleDownDelayAfterAdd / M,
    scaleDownDelayAfterDelete: D.scaleDownDelayAfterDelete,
    scaleDownDelayAfterFailure: D.scaleDownDelayAfterFailure / M,
    scaleDownUtilizationThreshold: D.scaleDownUtilizationThreshold,
    maxNodeProvisionTime: D.maxNodeProvisionTime / M,
    maxGracefulTerminationSec: D.maxGracefulTerminationSec,
    skipNodesWithLocalStorage: D.skipNodesWithLocalStorage,
    skipNodesWithSystemPods: D.skipNodesWithSystemPods,
    balanceSimilarNodeGroups: D.balanceSimilarNodeGroups,
    newPodScaleUpDelay: D.newPodScaleUpDelay,
    maxNodesTotal: D.maxNodesTotal,
    maxScaleDownParallelism: D.maxScaleDownParallelism,
    maxDrainParallelism: D.maxDrainParallelism,
    backoff: [D.initialNodeGroupBackoffDuration / M, D.maxNodeGroupBackoffDuration / M, D.nodeGroupBackoffResetTimeout / (60 * M)],
    expendablePodsPriorityCutoff: D.expendablePodsPriorityCutoff,
  };
  assert.equal(got, {
    scanInterval: 10,
    expander: 'least-waste',
    scaleDownUnneededTime: 10,
    scaleDownDelayAfterAdd: 10,
    scaleDownDelayAfterDelete: 0,
    scaleDownDelayAfterFailure: 3,
    scaleDownUtilizationThreshold: 0.5,
    maxNodeProvisionTime: 15,
    maxGracefulTerminationSec: 600,
    skipNodesWithLocalStorage: true,
    skipNodesWithSystemPods: true,
    balanceSimilarNodeGroups: false,
    newPodScaleUpDelay: 0,
    maxNodesTotal: 0,
    maxScaleDownParallelism: 10,
    maxDrainParallelism: 1,
    backoff: [5, 30, 3],
    expendablePodsPriorityCutoff: -10,
  });
});

test('durations are Go durations or seconds; the expander is a chain; priorities are regexes', () => {
  const s = resolveAutoscalerSettings({ scanInterval: '30s', scaleDownUnneededTime: '1h30m', maxNodeProvisionTime: 120, expander: 'priority, least-waste', expanderPriorities: { 10: ['^gpu-'], 1: ['.*'] } });
  assert.equal([s.scanInterval, s.scaleDownUnneededTime, s.maxNodeProvisionTime], [30 * S, 90 * M, 120 * S]);
  assert.equal(s.expander, ['priority', 'least-waste']);
  assert.equal([...s.expanderPriorities.keys()], [1, 10]);
  assert.ok(s.expanderPriorities.get(10)![0]!.test('gpu-a100'));
});

test('bad input: one line naming the field and what was expected', () => {
  const cases: [unknown, string][] = [
    [{ scaleDownUtilizationThreshold: 1.5 }, 'cfg.yaml: scaleDownUtilizationThreshold: expected a number between 0 and 1, got 1.5'],
    [{ scanInterval: '10 minutes' }, 'cfg.yaml: scanInterval: expected a duration such as "10s", "10m" or "1h30m" (or seconds as a number), got "10 minutes"'],
    [{ scanInterval: '0s' }, 'cfg.yaml: scanInterval: must be greater than 0s'],
    [{ expander: 'cheapest' }, 'cfg.yaml: expander: unknown expander "cheapest" (available: random, most-pods, least-waste, least-nodes, price, priority; grpc is not supported)'],
    [{ expander: 'random,random' }, 'cfg.yaml: expander: expander "random" is listed twice'],
    [{ expander: 'priority' }, 'cfg.yaml: expanderPriorities: the priority expander needs priorities (priority → list of node group regexes), as in the cluster-autoscaler-priority-expander ConfigMap'],
    [{ expanderPriorities: { high: ['a'] } }, 'cfg.yaml: expanderPriorities.high: the priority must be an integer'],
    [{ maxNodesTotal: -1 }, 'cfg.yaml: maxNodesTotal: expected a whole number >= 0, got -1'],
    [{ skipNodesWithLocalStorage: 'yes' }, 'cfg.yaml: skipNodesWithLocalStorage: expected true or false, got "yes"'],
    [[], 'cfg.yaml: expected a mapping of autoscaler settings, got a list'],
  ];
  for (const [input, message] of cases) assert.throws(() => resolveAutoscalerSettings(input, 'cfg.yaml'), (e: Error) => e.name === 'ConfigError' && e.message === message, message);
  assert.throws(() => resolveAutoscalerSettings({ scaleDownUnneededTim: '5m' }, 'cfg.yaml'), /^ConfigError|cfg\.yaml: scaleDownUnneededTim: unknown field \(known: /);
  assert.throws(() => resolveAutoscalerSettings({ expanderPriorities: { 10: ['('] } }, 'cfg.yaml'), /cfg\.yaml: expanderPriorities\.10\[0\]: can't compile regexp rule for priority 10 and rule \(/);
});

test('Go durations both ways', () => {
  assert.equal(['0', '10s', '15m', '1h30m', '500ms', '1.5s'].map(parseGoDuration), [0, 10 * S, 15 * M, 90 * M, 500, 1500]);
  assert.equal(['', '10', '10 s', 's', '-5s'].map(parseGoDuration), [undefined, undefined, undefined, undefined, undefined]);
  assert.equal([0, 250, 10_500, 15 * M, 15 * M + 10 * S, 3 * 60 * M].map(formatGoDuration), ['0s', '250ms', '10.5s', '15m0s', '15m10s', '3h0m0s']);
});

test.run();
