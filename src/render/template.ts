import Mustache from 'mustache';

/**
 * Config-file templates: Mustache variables only (`{{NAME}}`; `{{{NAME}}}` and `{{& NAME}}`
 * mean the same here, and comments `{{! ... }}` are allowed). Logic-less on purpose: a template
 * cannot run code, loop or include files, and every name it uses must be defined, so a typo is
 * an error instead of an empty password in a config file. Nothing is HTML-escaped: the output is
 * a config file, not a web page.
 */

export class TemplateError extends Error {
  constructor(
    message: string,
    /** The value name the template asked for, when that was the problem. */
    readonly key?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

type Token = [type: string, value: string, start: number, end: number, ...rest: unknown[]];

const VARIABLE_TOKENS = new Set(['name', '&', '{']);

/** The value names `template` uses, in order of first use. Throws a TemplateError for what is not allowed. */
export function templateKeys(template: string): string[] {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(template) as unknown as Token[];
  } catch (error) {
    throw new TemplateError(`the template cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const keys: string[] = [];
  for (const [type, value, start] of tokens) {
    if (type === 'text' || type === '!') continue;
    if (!VARIABLE_TOKENS.has(type)) {
      const what = type === '>' ? 'partials' : type === '=' ? 'delimiter changes' : 'sections';
      throw new TemplateError(`${what} are not supported (at character ${start}); use plain {{NAME}} variables`);
    }
    if (!keys.includes(value)) keys.push(value);
  }
  return keys;
}

/**
 * Renders `template` with `values`. A name the values do not define is a TemplateError that
 * names the key (never a value).
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  for (const key of templateKeys(template)) {
    if (!Object.hasOwn(values, key)) throw new TemplateError(`the template uses {{${key}}}, which has no value`, key);
  }
  return Mustache.render(template, values, {}, { escape: (value: unknown) => String(value) });
}
