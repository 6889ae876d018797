import { refusal } from '../../../support/refusal';
import { object, optional, pipe, refine, text, validate } from '../../../../lambdas/shared/http/validation';

describe('validate', () => {
  const schema = object({
    name: text({ trim: true, minLength: 1, tooShort: 'is empty', maxLength: 5 }),
    nested: optional(object({ code: refine(text(), (code) => /^\d+$/.test(code), 'must be digits') }), {
      nullable: true,
    }),
  });

  it('gives the checked, normalised value, without unknown keys', () => {
    expect(validate(schema, { name: ' Ada ', nested: null, extra: 1 })).toEqual({ name: 'Ada', nested: undefined });
    expect(validate(schema, { name: 'Ada', nested: { code: '42' } })).toEqual({ name: 'Ada', nested: { code: '42' } });
  });

  it('refuses with a 400 naming each field by its path, five problems at most', () => {
    const error = refusal(() => validate(schema, { name: 7, nested: { code: 'x' } }));
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('name: must be a string, got number; nested.code: must be digits');
    expect(refusal(() => validate(schema, [])).message).toBe('body: must be an object');
    const many = object(Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => [key, text()])));
    expect(refusal(() => validate(many, {})).message.split('; ')).toHaveLength(5);
  });

  it('does not run the second step of a pipe on a value the first refused', () => {
    const second = jest.fn((value: string) => value);
    expect(refusal(() => validate(pipe(text({ maxLength: 2 }), second), 'long')).message).toBe(
      'body: must be at most 2 characters',
    );
    expect(second).not.toHaveBeenCalled();
  });
});
