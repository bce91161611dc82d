import { Errors } from 'isomorphic-git';
import { FerryError } from '@ferry/manifest-model';
import { describe, expect, it } from 'vitest';
import { classifyGitError } from './classify-git-error.js';
import { GitStalledError } from './git-http-client.js';

describe('classifyGitError', () => {
  it('reads isomorphic-git errors by code', () => {
    expect(classifyGitError(new Errors.HttpError(403, 'Forbidden', '<html>no</html>'))).toMatchObject({ kind: 'http-status', status: 403, statusMessage: 'Forbidden', response: '<html>no</html>' });
    expect(classifyGitError(new Errors.SmartHttpError('<html>', '<html>login</html>'))).toMatchObject({ kind: 'not-smart-http', preview: '<html>', response: '<html>login</html>' });
    expect(classifyGitError(new Errors.NotFoundError('abc:envs/x.yaml'))).toMatchObject({ kind: 'not-found', what: 'abc:envs/x.yaml' });
    expect(classifyGitError(new Errors.PushRejectedError('not-fast-forward'))).toMatchObject({ kind: 'push-rejected' });
    expect(classifyGitError(new Errors.InvalidRefNameError('a..b', 'a.b'))).toMatchObject({ kind: 'permanent' });
  });

  it('also reads the HttpError shape our own requests throw', () => {
    const ours = Object.assign(new Error('HTTP 502 Bad Gateway'), { code: 'HttpError', data: { statusCode: 502, statusMessage: 'Bad Gateway' } });
    expect(classifyGitError(ours)).toMatchObject({ kind: 'http-status', status: 502, response: undefined });
  });

  it('passes FerryErrors on, names a stall, and counts anything else as transport (worth a retry)', () => {
    const ferry = new FerryError('git.network', 'incomplete ref listing');
    expect(classifyGitError(ferry)).toEqual({ kind: 'ferry', error: ferry });
    expect(classifyGitError(new GitStalledError('http://h/x.git', 1500))).toMatchObject({ kind: 'stalled', url: 'http://h/x.git', idleMs: 1500, message: 'the git server sent nothing for 1.5 s' });
    expect(classifyGitError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ kind: 'transport', message: 'socket hang up' });
    expect(classifyGitError('aborted')).toMatchObject({ kind: 'transport', message: 'aborted' });
  });
});
