import { firstName } from './caller-name';
import { plainName } from './caller-words';

/** The agent's first words: by name for a returning caller we know, warm for one we don't. */
export function greeting(options: { returning: boolean; name?: string; newCallerGreeting: string }): string {
  if (!options.returning) return options.newCallerGreeting;
  const name = plainName(options.name);
  if (name) return `Hello ${firstName(name)}! Welcome back. How can I help you today?`;
  return 'Hello again! Welcome back. How can I help you today?';
}
