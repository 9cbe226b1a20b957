// drydock generate: writes a synthetic workload CSV (services, batch bursts, GPU work) from a seed; the same
// command line gives the same bytes. What is drawn, and from which public trace, is in src/workload/generate.ts.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { DEFAULT_GENERATE_OPTIONS as D, generateOptionsProblem, generateWorkloadCsv, type GenerateOptions } from '../../workload/generate.js';
import { writeFileAtomic } from '../../report/files.js';
import { UserInputError } from '../errors.js';
import { prepareOutput, writeOutput } from '../output.js';

interface GenerateArgs {
  seed: number;
  services: number;
  batch: number;
  gpu: number;
  hours: number;
  'max-gpus': number;
  'gpu-models': string;
  out?: string;
}

/** The options a command line asks for; a bad flag is one UserInputError line (exit 2). */
export function optionsFromArgs(args: Omit<GenerateArgs, 'out'>): GenerateOptions {
  const opts: GenerateOptions = {
    seed: args.seed,
    services: args.services,
    batch: args.batch,
    gpu: args.gpu,
    hours: args.hours,
    maxGpus: args['max-gpus'],
    gpuModels: args['gpu-models'].split(',').map((s) => s.trim()).filter((s) => s !== ''),
  };
  const problem = generateOptionsProblem(opts);
  if (problem !== undefined) throw new UserInputError(problem);
  return opts;
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: 'Write a synthetic workload CSV (services, batch jobs, GPU work) from a seed',
  builder: (y: Argv) =>
    y
      .option('seed', { type: 'number', default: D.seed, describe: 'Seed (same command line, same file)' })
      .option('services', { type: 'number', default: D.services, describe: 'Service rows (long-running ReplicaSets of 2–6 pods)' })
      .option('batch', { type: 'number', default: D.batch, describe: 'Batch job rows (bursty arrivals, minutes to hours)' })
      .option('gpu', { type: 'number', default: D.gpu, describe: 'GPU rows (whole GPUs and gpu_milli shares)' })
      .option('hours', { type: 'number', default: D.hours, describe: 'Arrival window in hours' })
      .option('max-gpus', { type: 'number', default: D.maxGpus, describe: 'Largest whole-GPU ask: 1, 2, 4 or 8' })
      .option('gpu-models', { type: 'string', default: D.gpuModels.join(','), describe: 'GPU models that constrained GPU rows name (comma-separated)' })
      .option('out', { type: 'string', describe: 'Write to FILE (default: stdout)' }) as unknown as Argv<GenerateArgs>,
  handler: async (args: ArgumentsCamelCase<GenerateArgs>) => {
    const opts = optionsFromArgs(args);
    const text = generateWorkloadCsv(opts, args.out);
    if (args.out === undefined) {
      process.stdout.write(text);
      return;
    }
    prepareOutput('--out', args.out);
    await writeOutput('--out', args.out, (file) => writeFileAtomic(file, [text]));
  },
};
