import type { CommandModule } from 'yargs';
import { serveCommand } from './serve.js';

// One module per command; later issues add simulate, explain, compare, plan and bench here.
export const commands: CommandModule<object, never>[] = [serveCommand as unknown as CommandModule<object, never>];
