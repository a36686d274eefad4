import { describe, expect, it } from 'vitest';
import { ERRORS, LANGS, TEXTS, errorText, t } from '../src/i18n.js';

describe('the app speaks ky, ru and en', () => {
  it('every text and every error message exists, non-empty, in the three languages', () => {
    for (const table of [TEXTS, ERRORS]) {
      for (const [key, entry] of Object.entries(table)) {
        for (const lang of LANGS) expect(entry[lang].trim(), `${key}/${lang}`).not.toBe('');
      }
    }
  });

  it('looks texts up per language and fills placeholders', () => {
    expect(t('ky', 'cast')).toBe('Добуш берүү');
    expect(t('ru', 'cast')).toBe('Проголосовать');
    expect(t('en', 'choose_up_to', { n: 3 })).toBe('Choose up to 3');
    expect(t('en', 'included', { size: 12 })).toContain('12');
  });

  it('never shows a raw error code', () => {
    expect(errorText('en', 'face_mismatch')).toBe(ERRORS['face_mismatch']!.en);
    expect(errorText('ru', 'some_new_code')).toBe(ERRORS['unknown']!.ru);
    expect(errorText('ky', 'some_new_code')).not.toContain('some_new_code');
  });
});
