import { describe, expect, it } from 'vitest';
import en from '../../web/src/i18n/messages/en.js';
import zhCN from '../../web/src/i18n/messages/zh-CN.js';
import zhTW from '../../web/src/i18n/messages/zh-TW.js';
import staffEn from '../../web/src/features/staff/messages/en.js';
import staffZhCN from '../../web/src/features/staff/messages/zh-CN.js';
import staffZhTW from '../../web/src/features/staff/messages/zh-TW.js';

type Tree = { [key: string]: string | Tree };

/** Every message with its dotted key. */
function leaves(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value, `${prefix}${key}.`),
  );
}

const placeholders = (message: string) => [...new Set([...message.matchAll(/\{\s*([\w.-]+)\s*\}/g)].map((m) => m[1]))].sort();

describe('translations', () => {
  // The staff areas' catalogues merge into the main one at run time: checked as one.
  const english = new Map([...leaves(en as unknown as Tree), ...leaves(staffEn as unknown as Tree)]);

  it('keeps every staff key apart from the main catalogue (a merge overwrites nothing)', () => {
    const main = new Set(leaves(en as unknown as Tree).map(([key]) => key));
    expect(leaves(staffEn as unknown as Tree).filter(([key]) => main.has(key))).toEqual([]);
  });

  for (const [name, catalogue] of [
    ['zh-CN', { ...zhCN, ...staffZhCN }],
    ['zh-TW', { ...zhTW, ...staffZhTW }],
  ] as const) {
    it(`${name} fills in the same placeholders as English`, () => {
      // Chinese has one plural form, so it may leave out a count that English uses only to pick a form.
      const mismatched = leaves(catalogue as unknown as Tree)
        .map(([key, message]) => ({ key, ours: placeholders(message), english: placeholders(english.get(key) ?? '') }))
        .filter(({ ours, english }) => ours.some((p) => !english.includes(p)) || english.some((p) => !ours.includes(p) && p !== 'n'));
      expect(mismatched).toEqual([]);
    });

    it(`${name} translates every message it has (nothing left in English by mistake)`, () => {
      const untranslated = leaves(catalogue as unknown as Tree).filter(
        ([key, message]) => /[A-Za-z]{4,}/.test(message.replace(/\{[^}]*\}/g, '')) && message === english.get(key),
      );
      expect(untranslated).toEqual([]);
    });
  }
});
