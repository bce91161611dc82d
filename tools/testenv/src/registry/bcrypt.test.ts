import { describe, expect, it } from 'vitest';
import { bcryptHash, decodeBcryptBase64 } from './bcrypt.js';

// OpenBSD / John the Ripper test vectors ($2a$, cost 5).
const VECTORS: [string, string][] = [
  ['U*U', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'],
  ['U*U*', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK'],
  ['', '$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy'],
];

describe('bcryptHash', () => {
  it.each(VECTORS)('matches the published hash of %j', (password, expected) => {
    const salt = decodeBcryptBase64(expected.slice(7, 29), 16);
    expect(bcryptHash(password, { cost: 5, salt })).toBe(expected);
  });

  it('writes a fresh salt each time, in the htpasswd -B form', () => {
    const a = bcryptHash('pw');
    expect(a).toMatch(/^\$2a\$04\$[./A-Za-z0-9]{53}$/);
    expect(bcryptHash('pw')).not.toBe(a);
  });
});
