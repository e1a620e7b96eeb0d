import * as z from 'zod/mini';

/**
 * The schemas are `zod/mini` (a function bundle carries only the validators it uses), which loads no
 * messages of its own: this gives them zod's English ones, the reasons a 400 names the failing fields with.
 */
z.config(z.locales.en());
