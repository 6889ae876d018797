import { BlockList, isIP } from 'node:net';
import { HttpError } from './errors';

/**
 * An optional allow-list of client addresses (IPs or CIDR ranges, IPv4 or IPv6), e.g. the
 * egress addresses ElevenLabs publishes for its webhooks. Empty means everyone may call; the
 * endpoint's own authentication applies either way.
 */
export class SourceAllowList {
  private readonly allowed = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (!isIP(address)) throw new Error(`invalid configuration: ${entry} is not an IP address or CIDR range`);
      if (prefix === undefined) this.allowed.addAddress(address, family);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 'ipv6' ? 128 : 32)) {
          throw new Error(`invalid configuration: ${entry} has an invalid prefix length`);
        }
        this.allowed.addSubnet(address, bits, family);
      }
    }
    this.size = entries.length;
  }

  /** Parses the comma-separated form used in the environment. */
  static fromEnvironment(value: string | undefined): SourceAllowList {
    return new SourceAllowList(
      (value ?? '')
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== ''),
    );
  }

  /** 403 for a caller outside the list; nothing when the list is empty. */
  check(sourceIp: string | undefined): void {
    if (this.size === 0) return;
    const family = sourceIp && isIP(sourceIp) === 6 ? 'ipv6' : 'ipv4';
    if (!sourceIp || !isIP(sourceIp) || !this.allowed.check(sourceIp, family)) {
      throw new HttpError(403, 'source address not allowed');
    }
  }
}
