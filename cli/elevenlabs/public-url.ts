import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { usageError } from '../admin-error';

/** Addresses ElevenLabs' servers cannot reach: this machine, private networks, link-local, shared. */
const UNREACHABLE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const) {
  UNREACHABLE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  UNREACHABLE.addSubnet(network, prefix, 'ipv6');
}

export type Resolve = (hostname: string) => Promise<string[]>;

const resolveAll: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * The base URL the local stack is published at (a tunnel, a reverse proxy), without a trailing
 * slash. A URL ElevenLabs cannot reach, or would call in plain text, is refused (exit 2) unless
 * `allowPrivate`: loopback, private, link-local or shared addresses, names that resolve to one
 * or not at all, and `http:`.
 */
export async function publicBaseUrl(
  raw: string,
  allowPrivate: boolean,
  resolve: Resolve = resolveAll,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url must be an absolute URL such as https://example.ngrok.app, not "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usageError(`--url must be an http(s) URL, not ${url.protocol}`);
  }
  if (url.search || url.hash) throw usageError('--url must be a base URL, without a query or fragment');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (allowPrivate) return base;

  const refuse = (why: string) =>
    usageError(
      `--url ${base} ${why}: ElevenLabs cannot call it. Publish the local stack (e.g. a tunnel) and pass its public URL, or add --allow-private-url for a private network or a test.`,
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) throw refuse('is this machine');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw refuse('does not resolve to an address');
    }
  }
  const unreachable = addresses.find((address) => isUnreachable(address));
  if (unreachable !== undefined) {
    throw refuse(
      unreachable === host
        ? 'is a loopback or private address'
        : `resolves to ${unreachable}, a loopback or private address`,
    );
  }
  if (url.protocol === 'http:') {
    throw usageError(
      `--url ${base} is plain http: ElevenLabs would send the workspace key and what callers said unencrypted. Use an https URL (tunnels provide one), or add --allow-private-url for a test.`,
    );
  }
  return base;
}

function isUnreachable(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return UNREACHABLE.check(mapped[1], 'ipv4');
  return UNREACHABLE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
