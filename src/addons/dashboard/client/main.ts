// The dashboard page's code (runs in the browser, served by drydock from dist/): it reads the server's
// event stream (one snapshot, then deltas; see ../protocol.ts), keeps the rows in maps, and draws them into
// virtualised lists once per animation frame. The utilisation chart is drawn with the report's own chart
// modules (src/report/metric-charts.ts and charts.ts), loaded from drydock like this file.
import { timeUnit } from '../../../report/charts.js';
import { alignMetrics, poolLabel, utilizationChart } from '../../../report/metric-charts.js';
import type { MetricsSample } from '../../../sim/metrics-sample.js';
import type { Amounts, AutoscalerEventRow, AutoscalerStatusView, Delta, ExplainView, NodeRow, PodRow, Snapshot } from '../protocol.js';
import { clockTime, cores, gib, gpus, ratio } from './format.js';
import { fillRow, VirtualList, type Cell } from './virtual-list.js';

const ROW = 24;
/** Instants of utilisation history the page keeps (the server keeps as many). */
const MAX_INSTANTS = 1800;

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`dashboard page: no element #${id}`);
  return el;
};

// ---- state --------------------------------------------------------------------------------------------

const nodes = new Map<string, NodeRow>();
const pods = new Map<string, PodRow>();
const autoscaler = new Map<string, AutoscalerEventRow>();
let autoscalerStatus: AutoscalerStatusView | null = null;
let samples: MetricsSample[] = [];
let startedAt = 0;
/** Server clock minus the browser's, from the last message. */
let skew = 0;
const collapsed = new Set<string>();

function applySnapshot(s: Snapshot): void {
  nodes.clear();
  pods.clear();
  autoscaler.clear();
  for (const n of s.nodes) nodes.set(n.name, n);
  for (const p of s.pods) pods.set(p.key, p);
  for (const e of s.autoscaler) autoscaler.set(e.uid, e);
  autoscalerStatus = s.autoscalerStatus;
  samples = [...s.samples];
  startedAt = s.startedAt;
  skew = s.now - Date.now();
}

function applyDelta(d: Delta): void {
  for (const n of d.nodesDeleted) nodes.delete(n);
  for (const n of d.nodes) nodes.set(n.name, n);
  for (const k of d.podsDeleted) pods.delete(k);
  for (const p of d.pods) pods.set(p.key, p);
  for (const e of d.autoscaler) autoscaler.set(e.uid, e);
  if (d.autoscalerStatus !== undefined) autoscalerStatus = d.autoscalerStatus;
  if (d.samples.length > 0) {
    samples.push(...d.samples);
    const instants = [...new Set(samples.map((s) => s.t))];
    if (instants.length > MAX_INSTANTS) {
      const keepFrom = instants[instants.length - MAX_INSTANTS]!;
      samples = samples.filter((s) => s.t >= keepFrom);
    }
  }
  skew = d.now - Date.now();
}

// ---- the stream -----------------------------------------------------------------------------------------

const TOKEN_KEY = 'drydock-dashboard-token';
function token(): string | null {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m !== null) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]!));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(): HeadersInit {
  const t = token();
  return t !== null ? { Authorization: `Bearer ${t}` } : {};
}

function setStatus(text: string, live: boolean): void {
  const el = $('status');
  el.textContent = text;
  el.className = live ? 'live' : 'down';
}

/** Reads the text/event-stream body: blocks separated by a blank line, with "event:" and "data:" lines. */
async function readEvents(body: ReadableStream<Uint8Array>, on: (event: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) on(event, data.join('\n'));
    }
  }
}

async function connect(): Promise<void> {
  setStatus('connecting…', false);
  try {
    const res = await fetch('api/stream', { headers: headers(), cache: 'no-store' });
    if (res.status === 401) {
      setStatus('a token is needed', false);
      $('token-form').classList.add('open');
      return;
    }
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`);
    $('token-form').classList.remove('open');
    setStatus('live', true);
    await readEvents(res.body, (event, data) => {
      if (event === 'snapshot') applySnapshot(JSON.parse(data) as Snapshot);
      else if (event === 'delta') applyDelta(JSON.parse(data) as Delta);
      scheduleRender();
    });
  } catch {
    // Fall through to reconnect.
  }
  // The stream ended (server restart, network): connect again, as EventSource would.
  setStatus('reconnecting…', false);
  setTimeout(() => void connect(), 2000);
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, ($('token') as HTMLInputElement).value.trim());
  void connect();
});

// ---- lists ----------------------------------------------------------------------------------------------

type NodeItem = { kind: 'pool'; pool: string; count: number; requested: Amounts; allocatable: Amounts } | { kind: 'node'; row: NodeRow };

const share = (r: number, a: number): number => (a > 0 ? r / a : 0);

function amountCells(req: Amounts, alloc: Amounts, withBars: boolean): Cell[] {
  return [
    { cls: 'c-num c-cpu', text: ratio(cores(req.cpu), cores(alloc.cpu)), ...(withBars ? { bar: share(req.cpu, alloc.cpu) } : {}) },
    { cls: 'c-num c-mem', text: ratio(gib(req.memory), gib(alloc.memory)), ...(withBars ? { bar: share(req.memory, alloc.memory) } : {}) },
    { cls: 'c-num c-gpu', text: ratio(gpus(req.gpu), gpus(alloc.gpu)) },
    { cls: 'c-num c-pods', text: ratio(String(req.pods), String(alloc.pods)) },
  ];
}

const nodeList = new VirtualList<NodeItem>($('nodes'), ROW, (item, row) => {
  if (item.kind === 'pool') {
    const open = !collapsed.has(item.pool);
    fillRow(row, 'vrow pool-row', [
      { cls: 'c-name', text: `${open ? '▾' : '▸'} ${poolLabel(item.pool)} · ${item.count} node${item.count === 1 ? '' : 's'}` },
      { cls: 'c-state', text: '' },
      ...amountCells(item.requested, item.allocatable, false),
    ], { pool: item.pool });
    return;
  }
  const n = item.row;
  const state = !n.ready ? 'NotReady' : n.unschedulable ? 'Cordoned' : 'Ready';
  fillRow(row, `vrow node-row${n.ready ? '' : ' notready'}`, [
    { cls: 'c-name', text: n.name, title: [n.instanceType, n.zone].filter((x) => x !== '').join(' · ') || n.name },
    { cls: 'c-state', text: state },
    ...amountCells(n.requested, n.allocatable, true),
  ], { node: n.name });
});

$('nodes').addEventListener('click', (ev) => {
  const row = (ev.target as HTMLElement).closest<HTMLElement>('.pool-row');
  if (row === null) return;
  const pool = row.dataset['pool'] ?? '';
  if (collapsed.has(pool)) collapsed.delete(pool);
  else collapsed.add(pool);
  scheduleRender();
});

function podCells(p: PodRow): Cell[] {
  return [
    { cls: 'c-name', text: `${p.namespace}/${p.name}` },
    { cls: `c-phase phase-${p.phase}`, text: p.terminating ? 'Terminating' : p.phase },
    { cls: 'c-node', text: p.node === '' ? '—' : p.node },
    { cls: 'c-num c-cpu', text: cores(p.requested.cpu) },
    { cls: 'c-num c-mem', text: gib(p.requested.memory) },
    { cls: 'explain', text: 'explain', button: true },
  ];
}

const podList = new VirtualList<PodRow>($('pods'), ROW, (p, row) => fillRow(row, 'vrow pod-row', podCells(p), { pod: p.key }));

// Two lines per pending pod: the scheduler's message is what one looks for there.
const pendingList = new VirtualList<PodRow>($('pending'), 2 * ROW - 8, (p, row) =>
  fillRow(row, 'vrow pod-row pending-row', [
    { cls: 'c-name', text: `${p.namespace}/${p.name}` },
    { cls: 'c-reason', text: p.message !== '' ? p.message : p.reason !== '' ? p.reason : 'waiting for the scheduler', title: [p.reason, p.message].filter((x) => x !== '').join(': ') },
    { cls: 'explain', text: 'explain', button: true },
  ], { pod: p.key }),
);

const autoscalerList = new VirtualList<AutoscalerEventRow>($('autoscaler'), ROW, (e, row) =>
  fillRow(row, `vrow as-row ${e.type}`, [
    { cls: 'c-time', text: clockTime(e.time) },
    { cls: 'c-reason c-as-reason', text: e.reason },
    { cls: 'c-obj', text: e.object },
    { cls: 'c-msg', text: e.count > 1 ? `${e.message} (×${e.count})` : e.message, title: e.message },
  ], { uid: e.uid }),
);

for (const id of ['pods', 'pending']) {
  $(id).addEventListener('click', (ev) => {
    const button = (ev.target as HTMLElement).closest('button.explain');
    const key = button?.closest<HTMLElement>('.pod-row')?.dataset['pod'];
    if (key === undefined) return;
    const slash = key.indexOf('/');
    void openExplain(key.slice(0, slash), key.slice(slash + 1));
  });
}

for (const id of ['nodes-filter', 'pods-filter']) $(id).addEventListener('input', () => scheduleRender());

// ---- drawing --------------------------------------------------------------------------------------------

let frame = 0;
function scheduleRender(): void {
  if (frame !== 0) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function nodeItems(): NodeItem[] {
  const filter = ($('nodes-filter') as HTMLInputElement).value.trim().toLowerCase();
  const groups = new Map<string, NodeRow[]>();
  for (const n of nodes.values()) {
    if (filter !== '' && !n.name.toLowerCase().includes(filter) && !n.pool.toLowerCase().includes(filter)) continue;
    let g = groups.get(n.pool);
    if (g === undefined) groups.set(n.pool, (g = []));
    g.push(n);
  }
  // Named pools by name; the nodes outside any pool last.
  const order = [...groups.keys()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : byName(a, b)));
  const items: NodeItem[] = [];
  for (const pool of order) {
    const g = groups.get(pool)!.sort((a, b) => byName(a.name, b.name));
    const requested: Amounts = { cpu: 0, memory: 0, gpu: 0, pods: 0 };
    const allocatable: Amounts = { cpu: 0, memory: 0, gpu: 0, pods: 0 };
    for (const n of g) {
      for (const k of ['cpu', 'memory', 'gpu', 'pods'] as const) {
        requested[k] += n.requested[k];
        allocatable[k] += n.allocatable[k];
      }
    }
    items.push({ kind: 'pool', pool, count: g.length, requested, allocatable });
    if (!collapsed.has(pool)) for (const n of g) items.push({ kind: 'node', row: n });
  }
  return items;
}

function render(): void {
  const podRows = [...pods.values()];
  const pending = podRows.filter((p) => p.node === '' && p.phase !== 'Succeeded' && p.phase !== 'Failed').sort((a, b) => byName(a.created, b.created) || byName(a.key, b.key));
  $('summary').textContent = `${nodes.size} node${nodes.size === 1 ? '' : 's'} · ${pods.size} pod${pods.size === 1 ? '' : 's'} · ${pending.length} pending`;
  const items = nodeItems();
  nodeList.setItems(items);
  $('nodes-count').textContent = String(nodes.size);
  pendingList.setItems(pending);
  $('pending-count').textContent = String(pending.length);
  const filter = ($('pods-filter') as HTMLInputElement).value.trim().toLowerCase();
  const shown = podRows.filter((p) => filter === '' || p.key.toLowerCase().includes(filter) || p.node.toLowerCase().includes(filter)).sort((a, b) => byName(a.key, b.key));
  podList.setItems(shown);
  $('pods-count').textContent = String(pods.size);
  const events = [...autoscaler.values()].sort((a, b) => byName(b.time, a.time) || byName(a.uid, b.uid));
  autoscalerList.setItems(events);
  $('autoscaler-count').textContent = events.length === 0 ? '(no events from the cluster autoscaler yet)' : String(events.length);
  renderAutoscalerStatus();
  drawChart();
}

/** The status ConfigMap, folded to one line (open it for the whole document); hidden while there is none. */
function renderAutoscalerStatus(): void {
  const box = $('autoscaler-status');
  box.hidden = autoscalerStatus === null;
  if (autoscalerStatus === null) return;
  const when = autoscalerStatus.lastUpdated !== '' ? ` · updated ${autoscalerStatus.lastUpdated}` : '';
  $('autoscaler-status-summary').textContent = `cluster-autoscaler-status: ${autoscalerStatus.summary !== '' ? autoscalerStatus.summary : 'see the text'}${when}`;
  const pre = $('autoscaler-status-text');
  if (pre.textContent !== autoscalerStatus.text) pre.textContent = autoscalerStatus.text;
}

let lastChart = '';
/** The utilisation chart, from the same functions as the `simulate --report` page, up to the server's now. */
function drawChart(): void {
  if (startedAt === 0) return;
  const end = Math.max(0, (Date.now() + skew - startedAt) / 1000);
  const a = alignMetrics(samples, end);
  const { svg } = utilizationChart(a, { label: 'Time since the dashboard started', ...timeUnit(end) }, { width: 600, height: 120 });
  if (svg !== lastChart) {
    $('chart').innerHTML = svg;
    lastChart = svg;
  }
}
// Only the right edge moves with time when nothing changes; data arrives through the stream.
setInterval(drawChart, 5000);

// ---- explain --------------------------------------------------------------------------------------------

type ExplainNode = ExplainView['nodes'][number];
let explainPlugins: string[] = [];
let explainSelected: string | null = null;

const explainList = new VirtualList<ExplainNode>($('explain-nodes'), ROW, (n, row) =>
  fillRow(row, `vrow ex-row${n.feasible ? '' : ' infeasible'}${n.name === explainSelected ? ' selected' : ''}`, [
    { cls: 'c-name', text: n.name },
    { cls: 'c-result', text: n.feasible ? 'feasible' : n.reasons.join('; ') },
    { cls: 'c-score c-total', text: n.feasible ? String(n.total) : '' },
    ...explainPlugins.map((p): Cell => {
      const s = n.scores[p];
      return { cls: 'c-score', text: s === undefined ? '' : String(s.weighted), title: s === undefined ? p : `${p}: raw ${s.raw}, normalized ${s.normalized}, weighted ${s.weighted}` };
    }),
  ], { node: n.name }),
);

async function openExplain(namespace: string, name: string): Promise<void> {
  const dialog = $('explain');
  dialog.classList.add('open');
  $('explain-title').textContent = `Explain ${namespace}/${name}`;
  $('explain-summary').textContent = 'running one scheduling cycle…';
  explainList.setItems([]);
  const res = await fetch(`api/explain?namespace=${encodeURIComponent(namespace)}&pod=${encodeURIComponent(name)}`, { headers: headers(), cache: 'no-store' });
  const body = (await res.json()) as ExplainView | { message?: string };
  if (!res.ok || !('nodes' in body)) {
    $('explain-summary').textContent = `explain failed: ${(body as { message?: string }).message ?? `HTTP ${res.status}`}`;
    return;
  }
  explainPlugins = [...new Set(body.nodes.flatMap((n) => Object.keys(n.scores)))];
  explainSelected = body.selectedNode;
  const lines = [
    body.selectedNode !== null ? `selected node: ${body.selectedNode}` : `no node fits: ${body.message ?? ''}`,
    `${body.nodes.filter((n) => n.feasible).length} of ${body.nodes.length} nodes feasible`,
  ];
  if (body.bound !== null) lines.push(`(the pod is bound to ${body.bound}; this is where it would go if it were pending now)`);
  // A preemption that found nothing is already in the FitError message ("preemption: ...").
  if (body.preemption?.choice != null) lines.push(`preemption: would nominate ${body.preemption.choice.node}`);
  $('explain-summary').textContent = lines.join('\n');
  const cols = $('explain-cols');
  cols.replaceChildren(
    ...[['c-name', 'Node'], ['c-result', 'Filters'], ['c-score', 'Total'], ...explainPlugins.map((p) => ['c-score', p] as const)].map(([cls, text]) => {
      const s = document.createElement('span');
      s.className = cls!;
      s.textContent = text!;
      s.title = text!;
      return s;
    }),
  );
  // Feasible nodes by total score, best first; then the rest by name.
  const sorted = [...body.nodes].sort((a, b) => (a.feasible !== b.feasible ? (a.feasible ? -1 : 1) : a.feasible ? b.total - a.total || byName(a.name, b.name) : byName(a.name, b.name)));
  explainList.setItems(sorted);
}

function closeExplain(): void {
  $('explain').classList.remove('open');
}
$('explain-close').addEventListener('click', closeExplain);
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') closeExplain();
});

void connect();
