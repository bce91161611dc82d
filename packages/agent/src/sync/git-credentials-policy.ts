/**
 * Which git servers a Secret named by `spec.secretRef` may be sent to. A Secret is used as git
 * credentials only when it opts in (label `ferry.dev/git-credentials: "true"`) and names the hosts
 * it is for (annotation `ferry.dev/git-hosts: "git.example.com,other:8443"`). Without this, anyone
 * who may create a Sync could send any Secret of the namespace (a database password, a cloud key)
 * to a server of their choice by pointing `spec.url` at it. Documented in docs/agent.md.
 */
import { FerryError } from '@ferry/manifest-model';

export const GitCredentialsLabel = 'ferry.dev/git-credentials';
export const GitHostsAnnotation = 'ferry.dev/git-hosts';

/** A host and port credentials may go to: `git.example.com:443`, `[::1]:8080`. */
export type GitHost = string;

const defaultPorts: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * `host:port` of an http(s) URL as the WHATWG parser reads it (lower-cased, punycode, IPv4 in
 * dotted form, the scheme's default port filled in), or undefined when it is not an http(s) URL.
 */
export function hostOfUrl(url: string): GitHost | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const port = parsed.port || defaultPorts[parsed.protocol];
  if (!port || !parsed.hostname) return undefined;
  return `${trimDot(parsed.hostname)}:${port}`;
}

/**
 * Parses the annotation's comma- or space-separated entries. An entry without a port stands for the
 * default port of the URL's scheme (`scheme`: `http:` or `https:`). Wildcards, paths, user info and
 * anything else that is not a host name, IPv4 or [IPv6] address with an optional port is refused.
 */
export function parseGitHosts(annotation: string, scheme: string, where: string): GitHost[] {
  const entries = annotation.split(/[\s,]+/).filter(Boolean);
  if (!entries.length) {
    throw new FerryError('sync.secret-hosts', `${where}: annotation ${GitHostsAnnotation} names no host`, {
      hint: `list the git servers it may be sent to, e.g. ${GitHostsAnnotation}: "git.example.com,git.internal:8443"`,
    });
  }
  return entries.map((entry) => {
    const shape = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9.])?)(?::(\d{1,5}))?$/.exec(entry);
    const port = shape?.[2] ?? defaultPorts[scheme];
    const host = shape && port && Number(port) > 0 && Number(port) <= 65535 ? hostOfUrl(`${scheme}//${shape[1]}:${port}`) : undefined;
    if (!host) {
      throw new FerryError('sync.secret-hosts', `${where}: annotation ${GitHostsAnnotation} has "${entry}", which is not a host or host:port`, {
        hint: 'write host names or addresses with an optional port, separated by commas (no wildcards, schemes or paths)',
      });
    }
    return host;
  });
}

function trimDot(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}
