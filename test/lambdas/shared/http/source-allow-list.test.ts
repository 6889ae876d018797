import { HttpError, SourceAllowList } from '../../../../lambdas/shared/http';

const refused = (list: SourceAllowList, ip: string | undefined) => {
  try {
    list.check(ip);
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).statusCode).toBe(403);
    return true;
  }
};

describe('SourceAllowList', () => {
  it('lets everyone through when empty', () => {
    expect(refused(SourceAllowList.fromEnvironment(undefined), '203.0.113.9')).toBe(false);
    expect(refused(SourceAllowList.fromEnvironment(' , '), undefined)).toBe(false);
  });

  it('allows listed addresses and ranges, IPv4 and IPv6, and refuses the rest', () => {
    const list = SourceAllowList.fromEnvironment('34.67.146.145, 10.0.0.0/8,2001:db8::/32');
    expect(refused(list, '34.67.146.145')).toBe(false);
    expect(refused(list, '10.200.3.4')).toBe(false);
    expect(refused(list, '2001:db8::1')).toBe(false);
    expect(refused(list, '34.67.146.146')).toBe(true);
    expect(refused(list, '2001:db9::1')).toBe(true);
    expect(refused(list, undefined)).toBe(true);
    expect(refused(list, 'not-an-ip')).toBe(true);
  });

  it('refuses a malformed configuration, naming the entry', () => {
    expect(() => SourceAllowList.fromEnvironment('34.67.146.145,example.com')).toThrow('example.com');
    expect(() => SourceAllowList.fromEnvironment('10.0.0.0/40')).toThrow('prefix length');
  });
});
