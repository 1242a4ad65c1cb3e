/**
 * A small argv parser: positionals, `--flag value`, `--flag=value` and boolean flags. Unknown
 * flags are an error naming them, so a typo never silently changes what a command does.
 */
import { CliError } from "./errors";

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | true>;
}

/**
 * @param valued flags that take a value (`--url x`); every other known flag is boolean
 * @throws CliError on an unknown flag or a valued flag without a value
 */
export function parseArgs(argv: string[], valued: readonly string[], booleans: readonly string[]): Parsed {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (valued.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "") throw new CliError(`--${name} needs a value`);
      flags[name] = value;
    } else if (booleans.includes(name) && eq === -1) {
      flags[name] = true;
    } else {
      throw new CliError(`unknown option --${name} (see --help)`);
    }
  }
  return { positionals, flags };
}
