// The compare/ folder's public surface: running configurations side by side, the SLO verdict, the table and files.
export {
  configurationNames,
  ConfigurationRunError,
  DEFAULT_WORKER_URL,
  peakNodes,
  runConfigurations,
  type CompareOptions,
  type ComparedConfiguration,
  type Configuration,
} from './compare.js';
export { runConfiguration, type ConfigurationJob, type ConfigurationRun } from './run.js';
export { checkSlo, describeSlo, hasSlo, judge, type Slo, type SloCheck, type SloSummary, type Verdict } from './slo.js';
export { alignColumns, formatCompareTable, TABLE_COLUMNS, tableCells, type TableRow } from './table.js';
export { peakNodesText } from '../report/summary.js';
export {
  COMPARE_CSV_COLUMNS,
  compareCsv,
  compareJson,
  configurationObject,
  writeCompareCsv,
  writeCompareJson,
  writeCompareReport,
} from './files.js';
