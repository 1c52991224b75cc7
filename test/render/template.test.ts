import { describe, expect, it } from 'vitest';
import { renderTemplate, templateKeys, TemplateError } from '../../src/render/template.js';
import { parseValuesFile, ValuesFileError } from '../../src/render/values-file.js';

describe('renderTemplate', () => {
  it('fills {{NAME}} variables and escapes nothing (a config file is not HTML)', () => {
    const out = renderTemplate('rpcuser={{USER}}\nrpcpassword={{PASS}}\n', { USER: 'node', PASS: 'a<b>&"c\'' });
    expect(out).toBe('rpcuser=node\nrpcpassword=a<b>&"c\'\n');
  });

  it('treats {{{NAME}}} and {{& NAME}} like {{NAME}}, and drops comments', () => {
    expect(renderTemplate('{{{A}}}-{{& A}}-{{! a note }}{{A}}', { A: 'x&y' })).toBe('x&y-x&y-x&y');
  });

  it('refuses a name the values do not define, naming the key', () => {
    const error = (() => {
      try {
        renderTemplate('password={{RPC_PASSWORD}}', { RPC_USER: 'secret-value' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TemplateError);
    expect((error as TemplateError).key).toBe('RPC_PASSWORD');
    expect(String(error)).not.toContain('secret-value');
  });

  it('does not resolve names through the object prototype or dotted paths', () => {
    expect(() => renderTemplate('{{toString}}', {})).toThrow(TemplateError);
    expect(() => renderTemplate('{{.}}', { A: '1' })).toThrow(TemplateError);
    expect(() => renderTemplate('{{A.length}}', { A: '1' })).toThrow(TemplateError);
  });

  it('refuses sections, partials and delimiter changes: templates stay logic-less', () => {
    expect(() => templateKeys('{{#A}}x{{/A}}')).toThrow(/sections are not supported/);
    expect(() => templateKeys('{{> other}}')).toThrow(/partials are not supported/);
    expect(() => templateKeys('{{=<% %>=}}')).toThrow(/delimiter changes are not supported/);
  });

  it('reports an unclosed tag', () => {
    expect(() => templateKeys('a {{B')).toThrow(/cannot be read: Unclosed tag/);
  });

  it('lists each key once, in order of use', () => {
    expect(templateKeys('{{B}} {{A}} {{B}}')).toEqual(['B', 'A']);
  });
});

describe('parseValuesFile', () => {
  it('reads KEY=VALUE lines literally, skipping blanks and comments', () => {
    const values = parseValuesFile('# rotated by cron\nRPC_USER=node\n\nRPC_PASSWORD= p=ss "word" \r\nEMPTY=\n');
    expect({ ...values }).toEqual({ RPC_USER: 'node', RPC_PASSWORD: ' p=ss "word" ', EMPTY: '' });
  });

  it('names the line of a bad entry and never its value', () => {
    expect(() => parseValuesFile('A=1\nsecret-without-key\n')).toThrow(new ValuesFileError(2, 'expected KEY=VALUE'));
    expect(() => parseValuesFile('1A=hunter2')).toThrow(/line 1: "1A" is not a valid key/);
    expect(() => parseValuesFile('A=1\nA=hunter2')).toThrow(/line 2: A is defined twice/);
    try {
      parseValuesFile('A=1\nA=hunter2');
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });
});
