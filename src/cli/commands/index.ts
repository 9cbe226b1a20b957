import type { CommandModule } from 'yargs';
import { benchCommand } from './bench.js';
import { compareCommand } from './compare.js';
import { explainCommand } from './explain.js';
import { generateCommand } from './generate.js';
import { gpuFragCommand } from './gpu-frag.js';
import { planCommand } from './plan.js';
import { serveCommand } from './serve.js';
import { simulateCommand } from './simulate.js';

// One module per command.
export const commands: CommandModule<object, never>[] = [
  serveCommand as unknown as CommandModule<object, never>,
  simulateCommand as unknown as CommandModule<object, never>,
  explainCommand as unknown as CommandModule<object, never>,
  benchCommand as unknown as CommandModule<object, never>,
  generateCommand as unknown as CommandModule<object, never>,
  compareCommand as unknown as CommandModule<object, never>,
  planCommand as unknown as CommandModule<object, never>,
  gpuFragCommand as unknown as CommandModule<object, never>,
];
