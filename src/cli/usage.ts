/**
 * Prints `message` (a bad argument, or the usage line itself), then `usage` when given, and exits with
 * code 2 before anything is opened.
 */
export function exitWithUsage(message: string, usage?: string): never {
  process.stderr.write(usage ? `${message}\n\n${usage}\n` : `${message}\n`);
  process.exit(2);
}
