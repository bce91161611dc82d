export interface Io { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }
export async function main(_argv: string[], io: Io): Promise<number> {
  io.stdout.write('ferry\n');
  return 0;
}
