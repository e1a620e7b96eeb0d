import { config } from 'zod/mini';
// The one locale, by name: `z.locales.en` would bundle every locale zod has.
import { en } from 'zod/locales';

/**
 * The schemas are `zod/mini` (a function bundle carries only the validators it uses), which loads no
 * messages of its own: this gives them zod's English ones, the reasons a 400 names the failing fields with.
 */
config(en());
