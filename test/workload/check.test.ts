// loadWorkload sends every object through a scratch API server (src/workload/check.ts): an object the API
// server would refuse when it arrives is one line naming its file and line, before any run — where before
// the simulation dropped it, recorded only as a component error, and exited 0.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadWorkload } from '../../src/workload/index.js';

async function refusal(files: Record<string, string>): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-check-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    await loadWorkload(Object.keys(files).map((n) => join(dir, n)));
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(`${dir}/`, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pod = (cpu: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x, resources: {requests: {cpu: "${cpu}"}}}]\n`;

test('refused: a PriorityClass nobody defines, a name given twice across files, a bad quantity, a negative replica count', async () => {
  assert.is(await refusal({ 'w.csv': 'name,cpu,memory,priority_class\na,1,1Gi,nope\n' }), 'w.csv:2: pods "a" is forbidden: no PriorityClass with name nope was found');
  assert.is(await refusal({ 'a.csv': 'name,cpu,memory\nweb,1,1Gi\n', 'b.csv': 'name,cpu,memory\nweb,2,1Gi\n' }), 'b.csv:2: pods "web" already exists');
  assert.is(await refusal({ 'p.yaml': pod('abc') }), 'p.yaml:1: Pod "p" is invalid: spec.containers[0].resources.requests.cpu: Invalid value: "abc": must be a quantity');
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: -3\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: x}]}\n';
  assert.is(await refusal({ 'd.yaml': deployment }), 'd.yaml:1: Deployment "d" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0');
});

test('accepted: a PriorityClass a manifest defines, used from a CSV that arrives later; a valid pod', async () => {
  const pc = 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n';
  assert.is(await refusal({ 'pc.yaml': pc, 'w.csv': 'name,cpu,memory,priority_class,arrival\na,1,1Gi,high,10\n' }), undefined);
  assert.is(await refusal({ 'p.yaml': pod('250m') }), undefined);
});

test.run();
