/* upg-json-known.c - an object's members checked against the names its reader knows
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * SPEC §4 keeps and ignores members a reader does not know, so that a
 * bundle may carry annotations (`"x_owner": "team-ft"`) and members of a
 * later release. An ignored member that is a misspelling of a known one
 * (`"upgrade_step"`, `"sql_script"`, `"compatibe_version"`, `"sqlScripts"`)
 * silently changes what runs, though: a stage without its steps, a step
 * counted as incompatible. upg_json_check_members() finds those: a member
 * that is not known but close to a known name is a problem, worded with
 * the name meant; any other unknown member stays allowed.
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "upg-json-private.h"

/* Lower case without separators: `sqlScripts`, `SQL-Scripts` and
 * `sql_scripts` are the same name written three ways. */
static char *
normalize (const char *name)
{
  GString *out = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    if (*p != '_' && *p != '-' && *p != ' ')
      g_string_append_c (out, g_ascii_tolower (*p));
  return g_string_free (out, FALSE);
}

/* Edits (insert, delete, replace, swap two neighbours) from @a to @b. */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize n = strlen (a), m = strlen (b);
  g_autofree guint *d = g_new (guint, (n + 1) * (m + 1));

#define D(i, j) d[(i) * (m + 1) + (j)]
  for (gsize i = 0; i <= n; i++)
    D (i, 0) = i;
  for (gsize j = 0; j <= m; j++)
    D (0, j) = j;
  for (gsize i = 1; i <= n; i++)
    for (gsize j = 1; j <= m; j++)
      {
        guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
        guint best = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + cost);

        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          best = MIN (best, D (i - 2, j - 2) + 1);
        D (i, j) = best;
      }
  return D (n, m);
#undef D
}

/* How many edits still read as a slip of the keyboard for a name this
 * long: none for 1-3 letters (`id`, `key`, `max` are too short to tell a
 * typo from another word), one up to 8 (`comment` is two edits from
 * `command`, and an annotation), then two, three from 15 letters on. */
static guint
tolerance (gsize length)
{
  if (length < 4)
    return 0;
  if (length < 9)
    return 1;
  if (length < 15)
    return 2;
  return 3;
}

/* The words of a name: `compatibleVersion` and `compatible_version` both
 * give "compatible", "version". */
static GStrv
split_words (const char *name)
{
  g_autoptr(GStrvBuilder) words = g_strv_builder_new ();
  g_autoptr(GString) word = g_string_new (NULL);

  for (const char *p = name;; p++)
    {
      gboolean boundary = *p == '\0' || *p == '_' || *p == '-' || *p == ' '
                          || (g_ascii_isupper (*p) && p > name && g_ascii_islower (p[-1]));

      if (boundary && word->len > 0)
        {
          g_strv_builder_add (words, word->str);
          g_string_truncate (word, 0);
        }
      if (*p == '\0')
        break;
      if (*p != '_' && *p != '-' && *p != ' ')
        g_string_append_c (word, g_ascii_tolower (*p));
    }
  return g_strv_builder_end (words);
}

/* @name's words are some of @known's, not all: `scripts` or `sql` for
 * `sql_scripts`, `steps` for `upgrade_steps`, `version` for
 * `compatible_version`. */
static gboolean
is_part_of (const char *name,
            const char *known)
{
  g_auto(GStrv) part = split_words (name);
  g_auto(GStrv) whole = split_words (known);

  if (part[0] == NULL || g_strv_length (part) >= g_strv_length (whole))
    return FALSE;
  for (guint i = 0; part[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) whole, part[i]))
      return FALSE;
  return TRUE;
}

/**
 * upg_json_closest_name:
 * @name: a name that is not one of @known
 * @known: (array zero-terminated=1): the names expected there
 *
 * Finds the name @name most likely misspells: the same name in another
 * case or with other separators (`sqlScripts`), a few letters off
 * (`upgrade_step`, `compatibe_version`, `ft_bd`), or part of its words
 * (`scripts`, `steps`).
 *
 * Returns: (transfer none) (nullable): the closest of @known, %NULL when
 *   none is close enough to be what was meant
 */
const char *
upg_json_closest_name (const char         *name,
                       const char * const *known)
{
  g_autofree char *wanted = normalize (name);
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  for (guint i = 0; known != NULL && known[i] != NULL; i++)
    {
      g_autofree char *candidate = normalize (known[i]);
      guint distance = edit_distance (wanted, candidate);

      if (distance > tolerance (strlen (candidate)) && !is_part_of (name, known[i]))
        continue;
      if (distance < best_distance)
        {
          best = known[i];
          best_distance = distance;
        }
    }
  return best;
}

/* `name[zh_CN]` for a localized member `name`: its form is checked by
 * upg_json_get_localized_string(). */
static gboolean
is_localized_known (const char         *member,
                    const char * const *known)
{
  const char *bracket = strchr (member, '[');
  g_autofree char *base = NULL;

  if (bracket == NULL || bracket == member || !g_str_has_suffix (member, "]"))
    return FALSE;
  base = g_strndup (member, bracket - member);
  return g_strv_contains (known, base);
}

/**
 * upg_json_check_members:
 * @ctx: the file
 * @object: an object
 * @path: its JSON path
 * @known: (array zero-terminated=1): the members its reader reads
 * @problems: (element-type utf8): where a problem is added for each
 *   misspelt member
 *
 * Adds "FILE: PATH.member: unknown member 'member' is ignored: did you
 * mean 'known'?" for each member of @object that is not in @known (nor a
 * localized `known[LOCALE]`) but close to one of them (see
 * upg_json_closest_name()). Members far from every known name are
 * annotations or a later release's, kept and ignored (SPEC §4).
 *
 * Returns: the number of problems added
 */
guint
upg_json_check_members (const UpgJsonCtx   *ctx,
                        JsonObject         *object,
                        const char         *path,
                        const char * const *known,
                        GPtrArray          *problems)
{
  g_autoptr(GList) members = json_object_get_members (object);
  guint n = 0;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;
      const char *meant;

      if (g_strv_contains (known, member) || is_localized_known (member, known))
        continue;
      meant = upg_json_closest_name (member, known);
      if (meant == NULL)
        continue;
      /* TRANSLATORS: manifest file, JSON path, the member as written, the member it resembles */
      g_ptr_array_add (problems, g_strdup_printf (_("%s: %s.%s: unknown member '%s' is ignored: did you mean '%s'?"),
                                                  ctx->file, path, member, member, meant));
      n++;
    }
  return n;
}
