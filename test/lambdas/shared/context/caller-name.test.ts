import {
  callerName,
  firstName,
  nameFromProfiles,
  nameFromText,
  plausibleName,
} from '../../../../lambdas/shared/context';
import type { Memory } from '../../../../lambdas/shared/memory';

const memory = (text: string, profile?: Memory['metadata']['profile']): Memory => ({
  id: text,
  memory: text,
  metadata: { type: profile ? 'profile' : 'semantic', profile },
});

describe('caller name', () => {
  it('comes from the profile data-collection results first', () => {
    const profiles = [memory('Caller profile.', { user_name: 'Margaret' })];
    const others = [memory('My name is Dorothy')];
    expect(callerName(profiles, others)).toBe('Margaret');
  });

  it('capitalises a profile name written in lower case', () => {
    expect(nameFromProfiles([memory('p', { caller_name: 'daniel okafor' })])).toBe('Daniel Okafor');
  });

  it('ignores profile values that are not names', () => {
    expect(nameFromProfiles([memory('p', { user_name: 'unknown' })])).toBeUndefined();
    expect(nameFromProfiles([memory('p', { user_name: 42 })])).toBeUndefined();
  });

  it.each([
    ['Hi, my name is Margaret Ellison and I grew up in Duluth.', 'Margaret Ellison'],
    ["User's name is Margaret", 'Margaret'],
    ['The caller’s name is Daniel.', 'Daniel'],
    ['She goes by Peggy', 'Peggy'],
    ['Name is Okafor', 'Okafor'],
    ['please call me Dot.', 'Dot'],
  ])('is found in %p', (text, expected) => {
    expect(nameFromText([text])).toBe(expected);
  });

  it.each([
    'my name is not important',
    'my name is calling about the order',
    'goes by the bus',
    'name is unknown',
    'my name is',
  ])('is not invented from %p', (text) => {
    expect(nameFromText([text])).toBeUndefined();
  });

  it('falls back to memory text when no profile has a name', () => {
    expect(callerName([], [memory('Loves gardening'), memory("User's name is Margaret")])).toBe('Margaret');
  });

  it('greets by first name', () => {
    expect(firstName('Margaret Ellison')).toBe('Margaret');
  });

  it('accepts names with apostrophes and hyphens and stops at a non-name word', () => {
    expect(plausibleName("Mary-Jane O'Brien")).toBe("Mary-Jane O'Brien");
    expect(plausibleName('Margaret and I')).toBe('Margaret');
  });
});
