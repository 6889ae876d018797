import { counted } from '../../cli/plural';

describe('counted', () => {
  it('puts the noun in the number its count needs', () => {
    expect(counted(1, 'conversation')).toBe('1 conversation');
    expect(counted(0, 'conversation')).toBe('0 conversations');
    expect(counted(2, 'memory', 'memories')).toBe('2 memories');
    expect(counted(1, 'memory', 'memories')).toBe('1 memory');
  });
});
