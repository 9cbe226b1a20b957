import type { CommandModule } from 'yargs';

// One module per command; later issues add simulate, serve, explain, compare, plan and bench here.
export const commands: CommandModule<object, never>[] = [];
