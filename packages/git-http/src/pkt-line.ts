/** Git's pkt-line framing: a 4-hex-digit length (itself included), then the payload. */
export function pktLine(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/** A flush packet: ends a list (of refs, commands, a response section). */
export const FLUSH_PKT = '0000';

/** pkt-line payloads without trailing newlines; flush packets are skipped, a malformed or cut packet ends the list. */
export function parsePktLines(data: Buffer): string[] {
  const lines: string[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const length = parseInt(data.subarray(at, at + 4).toString('latin1'), 16);
    if (Number.isNaN(length)) break;
    if (length === 0) {
      at += 4;
      continue;
    }
    if (length < 4 || at + length > data.length) break;
    lines.push(data.subarray(at + 4, at + length).toString('utf8').replace(/\n$/, ''));
    at += length;
  }
  return lines;
}

/** True when a protocol answer ends with a flush packet, as every complete one does. */
export function endsWithFlush(answer: Buffer): boolean {
  return answer.length >= 4 && answer.subarray(answer.length - 4).toString('latin1') === FLUSH_PKT;
}
