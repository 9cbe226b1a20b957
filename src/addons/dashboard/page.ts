// The dashboard page: a fixed frame (header, the panels, the explain dialog) with inline CSS. The rows are
// drawn by the page's module (client/main.ts) from the stream; nothing here carries cluster data, which is
// why the page may load before a token is given.
import { escapeXml } from '../../report/charts.js';

const CSS = `
:root { color-scheme: light; --line: #d9d9d9; --muted: #555; --bg: #f6f7f9; --accent: #0072B2; --warn: #D55E00; --ok: #009E73; }
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body { background: var(--bg); color: #1f1f1f; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; display: flex; flex-direction: column; }
header { display: flex; align-items: baseline; gap: 16px; padding: 8px 14px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0; }
#status { font-weight: 600; }
#status.live { color: var(--ok); }
#status.down { color: var(--warn); }
#summary { color: var(--muted); }
main { flex: 1; min-height: 0; display: grid; grid-template-columns: minmax(0, 1.15fr) minmax(0, 1fr); grid-template-rows: minmax(0, 1fr); gap: 10px; padding: 10px; }
.col { display: flex; flex-direction: column; gap: 10px; min-height: 0; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; display: flex; flex-direction: column; min-height: 0; }
section > h2 { font-size: 13px; margin: 0; padding: 6px 10px; border-bottom: 1px solid var(--line); display: flex; gap: 8px; align-items: baseline; }
section > h2 .count { color: var(--muted); font-weight: 400; }
#nodes-panel { flex: 1; }
#chart-panel { flex: 0 0 auto; }
#chart { padding: 4px 6px; }
#chart svg { display: block; width: 100%; height: auto; }
#pending-panel { flex: 0 0 150px; }
#autoscaler-panel { flex: 0 0 auto; }
#autoscaler { flex: 0 0 96px; }
#autoscaler-status { border-bottom: 1px solid var(--line); padding: 3px 10px; }
#autoscaler-status summary { cursor: pointer; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#autoscaler-status pre { margin: 4px 0 2px; max-height: 220px; overflow: auto; font-size: 11px; line-height: 1.3; background: var(--bg); padding: 4px 6px; border-radius: 4px; }
#pods-panel { flex: 1; }
.vlist { position: relative; overflow-y: auto; flex: 1; min-height: 0; }
.vspacer { position: absolute; left: 0; top: 0; width: 1px; }
.vrow { position: absolute; left: 0; right: 0; display: flex; align-items: center; gap: 8px; padding: 0 10px; border-bottom: 1px solid #eee; white-space: nowrap; overflow: hidden; }
.vrow > span { overflow: hidden; text-overflow: ellipsis; }
.cols { display: flex; gap: 8px; padding: 3px 10px; color: var(--muted); border-bottom: 1px solid var(--line); font-size: 12px; }
.pool-row { background: #eef3f8; font-weight: 600; cursor: pointer; }
.c-name { flex: 1 1 150px; min-width: 0; }
.c-num { flex: 0 0 92px; text-align: right; font-variant-numeric: tabular-nums; }
.c-state { flex: 0 0 70px; }
.c-phase { flex: 0 0 78px; }
.c-node { flex: 0 0 130px; }
.c-reason { flex: 1 1 200px; min-width: 0; color: var(--warn); }
.c-time { flex: 0 0 70px; color: var(--muted); font-variant-numeric: tabular-nums; }
.c-obj { flex: 0 0 150px; }
.as-row .c-as-reason { flex: 0 0 130px; }
.pending-row { white-space: normal; }
.pending-row .c-name { flex: 0 0 160px; }
.pending-row .c-reason { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; font-size: 12px; line-height: 1.35; }
#pods-panel .c-num { flex-basis: 56px; }
#pods-panel .c-node { flex-basis: 110px; }
#pods-panel .c-phase { flex-basis: 72px; }
.c-msg { flex: 1 1 200px; min-width: 0; }
.bar { display: inline-block; width: 36px; height: 6px; background: #e6e6e6; border-radius: 3px; margin-left: 4px; vertical-align: middle; position: relative; }
.bar > i { position: absolute; left: 0; top: 0; bottom: 0; background: var(--accent); border-radius: 3px; }
.notready .c-state, .Warning .c-reason { color: var(--warn); }
.phase-Running { color: var(--ok); } .phase-Pending { color: var(--warn); }
button.explain { font: inherit; font-size: 12px; padding: 0 6px; border: 1px solid var(--line); background: #fff; border-radius: 4px; cursor: pointer; }
input[type=search] { font: inherit; font-size: 12px; margin-left: auto; padding: 1px 6px; border: 1px solid var(--line); border-radius: 4px; }
#explain { position: fixed; inset: 40px 60px; background: #fff; border: 1px solid #999; border-radius: 8px; box-shadow: 0 8px 30px rgba(0,0,0,.25); display: none; flex-direction: column; }
#explain.open { display: flex; }
#explain header { border-radius: 8px 8px 0 0; }
#explain-summary { padding: 6px 14px; border-bottom: 1px solid var(--line); white-space: pre-wrap; }
#explain-close { margin-left: auto; font: inherit; cursor: pointer; }
.ex-row.infeasible .c-result { color: var(--warn); }
.ex-row.selected { background: #e8f5ee; font-weight: 600; }
.c-result { flex: 1 1 240px; min-width: 0; }
.c-score { flex: 0 0 88px; text-align: right; font-variant-numeric: tabular-nums; }
#token-form { display: none; gap: 6px; align-items: center; }
#token-form.open { display: flex; }
.empty { padding: 6px 10px; color: var(--muted); }
`;

export interface PageOptions {
  /** The entry module's URL, relative to the page. */
  readonly entry: string;
  readonly title?: string;
}

export function renderDashboardPage(options: PageOptions): string {
  const title = options.title ?? 'drydock dashboard';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>${escapeXml(title)}</h1>
  <span id="status" class="down">connecting…</span>
  <span id="summary"></span>
  <form id="token-form"><label for="token">Bearer token</label><input id="token" type="password" autocomplete="off"><button type="submit">Connect</button></form>
</header>
<main>
  <div class="col">
    <section id="nodes-panel" aria-label="Nodes by pool">
      <h2>Nodes by pool <span class="count" id="nodes-count"></span><input type="search" id="nodes-filter" placeholder="filter nodes" aria-label="Filter nodes"></h2>
      <div class="cols"><span class="c-name">Node</span><span class="c-state">State</span><span class="c-num">CPU req/alloc</span><span class="c-num">Memory (GiB)</span><span class="c-num">GPUs</span><span class="c-num">Pods</span></div>
      <div class="vlist" id="nodes"></div>
    </section>
  </div>
  <div class="col">
    <section id="chart-panel" aria-label="Utilisation over time"><div id="chart"></div></section>
    <section id="pending-panel" aria-label="Pending pods">
      <h2>Pending pods <span class="count" id="pending-count"></span></h2>
      <div class="vlist" id="pending"></div>
    </section>
    <section id="autoscaler-panel" aria-label="Autoscaler decisions">
      <h2>Autoscaler decisions <span class="count" id="autoscaler-count"></span></h2>
      <details id="autoscaler-status" hidden><summary id="autoscaler-status-summary"></summary><pre id="autoscaler-status-text"></pre></details>
      <div class="vlist" id="autoscaler"></div>
    </section>
    <section id="pods-panel" aria-label="Pods">
      <h2>Pods <span class="count" id="pods-count"></span><input type="search" id="pods-filter" placeholder="filter pods" aria-label="Filter pods"></h2>
      <div class="cols"><span class="c-name">Pod</span><span class="c-phase">Phase</span><span class="c-node">Node</span><span class="c-num">CPU</span><span class="c-num">Mem GiB</span><span style="flex:0 0 56px"></span></div>
      <div class="vlist" id="pods"></div>
    </section>
  </div>
</main>
<div id="explain" role="dialog" aria-modal="true" aria-labelledby="explain-title">
  <header><h1 id="explain-title">Explain</h1><button id="explain-close" type="button">Close</button></header>
  <div id="explain-summary"></div>
  <div class="cols" id="explain-cols"></div>
  <div class="vlist" id="explain-nodes"></div>
</div>
<script type="module" src="${escapeXml(options.entry)}"></script>
</body>
</html>
`;
}
