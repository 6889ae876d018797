import { firstName } from './caller-name';

/** The agent's first words: by name for a returning caller we know, warm for one we don't. */
export function greeting(options: { returning: boolean; name?: string; newCallerGreeting: string }): string {
  if (!options.returning) return options.newCallerGreeting;
  if (options.name) return `Hello ${firstName(options.name)}! Welcome back. How can I help you today?`;
  return 'Hello again! Welcome back. How can I help you today?';
}
