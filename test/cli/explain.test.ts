// drydock explain: the JSON shape the issue specifies, kube-scheduler's words per node, the scores' arithmetic,
// preemption as a dry run, and one-line errors with exit code 2 for bad input.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explain } from '../../src/cli/commands/explain.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../datasets/examples/', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'explain', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withFiles(files: Record<string, string>, fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'drydock-explain-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const run = suite('drydock explain');

run('the example: node-a wins; every node has its reason or its per-plugin scores (arithmetic in comments)', async () => {
  const out = await explain(join(EXAMPLES, 'cluster.yaml'), join(EXAMPLES, 'pod.yaml'), undefined);
  assert.is(out.pod, 'default/web');
  assert.is(out.selectedNode, 'node-a');
  const byName = Object.fromEntries(out.nodes.map((n) => [n.name, n]));
  // node-b: 7800m allocatable, 6 cpu used by batch-1, 3 more do not fit.
  assert.equal([byName['node-b']!.feasible, byName['node-b']!.reasons], [false, ['Insufficient cpu']]);
  assert.equal(byName['node-c']!.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
  const a = byName['node-a']!;
  // LeastAllocated: cpu (3800-3000)*100/3800 = 21, memory (15Gi-2Gi)*100/15Gi = 86; (21+86)/2 = 53.
  assert.equal(a.scores['NodeResourcesFit'], { raw: 53, normalized: 53, weighted: 53 });
  // BalancedAllocation: fractions 0.789 and 0.133; (1 - |0.789-0.133|/2) * 100 = 67 (truncated).
  assert.equal(a.scores['NodeResourcesBalancedAllocation'], { raw: 67, normalized: 67, weighted: 67 });
  // TaintToleration: no intolerable PreferNoSchedule taints → 100 × weight 3.
  assert.equal(a.scores['TaintToleration'], { raw: 0, normalized: 100, weighted: 300 });
  assert.is(a.total, 300 + 53 + 200 + 67 + 0);
  assert.is(out.preemption, null);
});

run('--config with MostAllocated: (78 + 13) / 2 = 45 for NodeResourcesFit; BalancedAllocation not scored', async () => {
  const out = await explain(join(EXAMPLES, 'cluster.yaml'), join(EXAMPLES, 'pod.yaml'), join(EXAMPLES, 'scheduler-config.yaml'));
  const a = out.nodes.find((n) => n.name === 'node-a')!;
  assert.equal(a.scores['NodeResourcesFit'], { raw: 45, normalized: 45, weighted: 45 });
  assert.is(a.scores['NodeResourcesBalancedAllocation'], undefined);
});

run(
  'an unschedulable pod: kube-scheduler\'s message, and preemption as a dry run naming the victim',
  withFiles(
    {
      'urgent.yaml': `apiVersion: v1\nkind: Pod\nmetadata: {name: urgent}\nspec:\n  priorityClassName: system-cluster-critical\n  containers: [{name: c, image: nginx:1.27, resources: {requests: {cpu: "5"}}}]\n`,
    },
    async (dir) => {
      const out = await explain(join(EXAMPLES, 'cluster.yaml'), join(dir, 'urgent.yaml'), undefined);
      assert.is(out.selectedNode, null);
      assert.match(out.message!, /^0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 Insufficient cpu\./);
      assert.is(out.preemption?.nominatedNodeName, 'node-b');
      assert.equal(out.preemption?.candidates.map((c) => [c.node, c.victims.map((v) => v.pod)]), [['node-b', ['default/batch-1']]]);
    },
  ),
);

run('--json prints the documented shape', () => {
  const r = cli('--cluster', join(EXAMPLES, 'cluster.yaml'), '--pod', join(EXAMPLES, 'pod.yaml'), '--json');
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(Object.keys(out), ['pod', 'selectedNode', 'nodes', 'preemption', 'message']);
  const node = (out['nodes'] as Record<string, unknown>[])[0]!;
  assert.equal(Object.keys(node), ['name', 'feasible', 'reasons', 'scores', 'total']);
});

const bad = suite('drydock explain: bad input is one line and exit 2');

const POD = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n`;

for (const [what, files, args, pattern] of [
  ['a missing file', {}, ['--cluster', 'nope.yaml', '--pod', 'pod.yaml'], /--cluster .*nope\.yaml: cannot read it: ENOENT/],
  ['YAML that does not parse', { 'c.yaml': 'kind: Node\nmetadata: {name: [\n' }, ['--cluster', 'c.yaml', '--pod', 'pod.yaml'], /c\.yaml:\d+:\d+/],
  ['a kind explain does not read', { 'c.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n' }, ['--cluster', 'c.yaml', '--pod', 'pod.yaml'], /c\.yaml:1: kind "ConfigMap" is not something explain reads/],
  ['an invalid node', { 'c.yaml': 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {capacity: {cpu: lots}}\n' }, ['--cluster', 'c.yaml', '--pod', 'pod.yaml'], /c\.yaml:1: Node "n1": Node "n1" is invalid: \[status\.capacity\.cpu: Invalid value: "lots": must be a quantity, status\.allocatable\.cpu/],
  ['an unknown plugin in the configuration', { 's.yaml': 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    score:\n      enabled: [{name: NodeResourceFit}]\n' }, ['--cluster', 'c.yaml', '--pod', 'pod.yaml', '--config', 's.yaml'], /s\.yaml: profiles\[0\]\.plugins\.score\.enabled\[0\]\.name: unknown plugin "NodeResourceFit"/],
  ['bad plugin args', { 's.yaml': 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Greedy}}\n' }, ['--cluster', 'c.yaml', '--pod', 'pod.yaml', '--config', 's.yaml'], /s\.yaml: profiles\[0\]\.pluginConfig\[0\]\.args\.scoringStrategy\.type: unsupported value "Greedy"/],
] as [string, Record<string, string>, string[], RegExp][]) {
  bad(
    what,
    withFiles({ 'pod.yaml': POD, 'c.yaml': 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {capacity: {cpu: "1", memory: 1Gi, pods: "10"}}\n', ...files }, (dir) => {
      const r = cli(...args.map((a) => (a.endsWith('.yaml') ? join(dir, a) : a)));
      assert.is(r.code, 2, `exit code; stderr: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.is(lines.length, 1, `one line, no stack trace: ${r.stderr}`);
      assert.match(lines[0]!, pattern);
      assert.is(r.stdout, '');
    }),
  );
}

run.run();
bad.run();
