import { parseArgs } from 'node:util';
import { isConnectableError } from './errors.ts';
import { EXIT, help, type Command, type Io } from './cli/command.ts';
import { catalogueCommands } from './cli/catalogue-commands.ts';
import { scanCommands } from './cli/scan-commands.ts';
import { probeCommands } from './cli/probe-commands.ts';
import { passwordCommands } from './cli/passwords-commands.ts';
import { platformCommands } from './cli/platform-commands.ts';
import { securityTxtCommands } from './cli/securitytxt-commands.ts';

export { EXIT } from './cli/command.ts';

const commands: Record<string, Command> = { ...platformCommands, ...passwordCommands, ...catalogueCommands, ...securityTxtCommands, ...scanCommands, ...probeCommands };

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `connectable — make consumer connectable products meet the PSTI Act, ETSI EN 303 645 and the CRA

Usage: connectable <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run "connectable <command> --help" for a command's options.
Environment: DATABASE_URL (PostgreSQL; unset = embedded database), DATA_DIR (default ./data),
PORT, HOST, PUBLIC_URL, LOG_LEVEL, TRUST_PROXY.
Exit codes: 0 done, 1 findings, 2 usage or input error.`;
}

/** A group such as "passwords": its subcommands, for "connectable passwords --help". */
function groupUsage(group: string): string | undefined {
  const members = Object.entries(commands).filter(([name]) => name.startsWith(`${group} `));
  if (!members.length) return undefined;
  return `Usage: connectable ${group} <command> [options]\n\nCommands:\n${members.map(([name, c]) => `  ${name.padEnd(22)}  ${c.summary}`).join('\n')}`;
}

/** Runs one command line; returns the exit code and never calls process.exit itself. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? argv.slice(1).join(' ') : '';
    io.out(commands[topic]?.usage ?? groupUsage(topic) ?? overview());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  const nested = second !== undefined && commands[`${first} ${second}`] !== undefined;
  const name = nested ? `${first} ${second}` : first;
  const rest = argv.slice(nested ? 2 : 1);
  const command = commands[name];
  if (!command) {
    const group = groupUsage(first);
    if (group) {
      const asked = second === undefined || second === '--help' || second === '-h';
      (asked ? io.out : io.err)(asked ? group : `connectable: unknown command "${first} ${second}".\n\n${group}`);
      return asked && second !== undefined ? EXIT.ok : EXIT.usage;
    }
    io.err(`connectable: unknown command "${first}".\n\n${overview()}`);
    return EXIT.usage;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: [...rest], options: { ...command.options, ...help }, strict: true, allowPositionals: command.positionals !== undefined });
    values = parsed.values as Record<string, string | boolean | undefined>;
    positionals = parsed.positionals;
  } catch (e) {
    io.err(`connectable ${name}: ${e instanceof Error ? e.message : String(e)}\n\n${command.usage}`);
    return EXIT.usage;
  }
  if (values['help']) {
    io.out(command.usage);
    return EXIT.ok;
  }
  try {
    return await command.run(values, io, positionals);
  } catch (e) {
    if (isConnectableError(e)) {
      if (values['json']) io.out(JSON.stringify({ error: e.toProblem() }));
      io.err(`connectable ${name}: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
  });
  process.exitCode = code;
}
