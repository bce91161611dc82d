import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-list.js';

describe('COMMANDS', () => {
  it('each entry loads the command of its name, whose summary is the one --help lists', async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
    }
  });
});
