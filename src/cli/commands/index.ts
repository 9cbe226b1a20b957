import type { CommandModule } from 'yargs';
import { benchCommand } from './bench.js';
import { explainCommand } from './explain.js';
import { generateCommand } from './generate.js';
import { serveCommand } from './serve.js';
import { simulateCommand } from './simulate.js';

// One module per command; later issues add compare and plan here.
export const commands: CommandModule<object, never>[] = [
  serveCommand as unknown as CommandModule<object, never>,
  simulateCommand as unknown as CommandModule<object, never>,
  explainCommand as unknown as CommandModule<object, never>,
  benchCommand as unknown as CommandModule<object, never>,
  generateCommand as unknown as CommandModule<object, never>,
];
