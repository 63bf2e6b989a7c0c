import { describe, expect, it } from 'vitest';
import { kbSlugSchema, slugify } from '../../shared/kb.js';

// `/kb/new`, `/kb/manage` and `/kb/analytics` are pages of the portal: an article at one of those
// addresses could never be opened, so neither a chosen slug nor one made from a title may be one.
describe('knowledge-base slugs', () => {
  it('refuses the addresses of the portal own pages as a chosen slug', () => {
    for (const slug of ['new', 'manage', 'analytics']) expect(kbSlugSchema.safeParse(slug).success).toBe(false);
    expect(kbSlugSchema.safeParse('new-laptop').success).toBe(true);
  });

  it('never makes one of them from a title', () => {
    expect(slugify('New')).toBe('new-article');
    expect(slugify('Analytics')).toBe('analytics-article');
    expect(slugify('New laptop set-up')).toBe('new-laptop-set-up');
  });
});
