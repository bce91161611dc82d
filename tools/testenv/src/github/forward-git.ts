// GitHub Enterprise Server serves git over HTTP on the same host as its API
// (https://HOST/OWNER/NAME.git beside https://HOST/api/v3): the enterprise stand-in forwards those
// paths, streamed both ways, to the test git server that holds the repositories.
import { request, type IncomingMessage, type ServerResponse } from 'node:http';

const GIT_PATH = /^\/[^/?]+\/[^/?]+\.git(?:[/?]|$)/;

export function isGitPath(url: string | undefined): boolean {
  return GIT_PATH.test(url ?? '');
}

export function forwardGit(req: IncomingMessage, res: ServerResponse, gitUrl: string): void {
  const target = new URL(`${gitUrl.replace(/\/$/, '')}${req.url ?? '/'}`);
  const headers = { ...req.headers, host: target.host };
  const upstream = request(target, { method: req.method ?? 'GET', headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.on('error', () => upstream.destroy());
  req.pipe(upstream);
}
