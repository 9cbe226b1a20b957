// The dashboard addon's public surface: `drydock serve --dashboard` mounts it on the API server's port.
export { DashboardModel, FLUSH_MS, MAX_AUTOSCALER_EVENTS, MAX_INSTANTS, podAmounts, SAMPLE_INTERVAL_MS, statusSummary, type DashboardModelOptions } from './model.js';
export { DASHBOARD_PREFIX, loadModules, startDashboard, type Dashboard, type DashboardOptions } from './server.js';
export { renderDashboardPage } from './page.js';
export type { Amounts, AutoscalerEventRow, AutoscalerStatusView, Delta, ExplainView, NodeRow, PodRow, Snapshot } from './protocol.js';
