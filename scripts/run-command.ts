/**
 * The ending of every command-line script: a returned number is the exit code; a failure prints
 * its message (no stack: these are people's commands, not services) and exits 1.
 */
export function runCommand(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      if (typeof code === "number") process.exit(code);
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
