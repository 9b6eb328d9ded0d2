/* upg-secret.c - secrets cut out of text that people will see
 *
 * Two kinds of secret end up in text shown to operators (status, logs,
 * errors): the password in a URL's user info (`mysql://u:p@h/db`, written
 * by the operator in a command's argument, or echoed by a server), and
 * the value of a secret the engine knows (a data source's password, the
 * configuration's secret variables). upg_secret_scrub() removes both, so
 * that the command runner's shown command line and the connectors' error
 * messages follow one rule; upg_url_redact() cuts a single URL by the
 * same rule (upg_secret_url_password_span()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "upg-secret-private.h"

/* Where a URL's authority ends in running text: its path, query or
 * fragment, or the end of the word (a space, a quote, an angle bracket:
 * how URLs are delimited in messages and arguments). */
#define AUTHORITY_END_IN_TEXT "/?#\"'<> \t\r\n"

/*
 * upg_secret_url_password_span:
 * @authority: the start of a URL's authority (after `scheme://`)
 * @authority_end: where it ends
 * @start: (out): the `:` that starts the password
 * @end: (out): the `@` that ends the user info
 *
 * The password of the authority's user info, as GUri and browsers read
 * it: the user info ends at the authority's last `@` (a password may hold
 * an unencoded `@`), the user at its first `:` (a password may hold `:`).
 * The user is kept, so that the operator can tell which account.
 *
 * Returns: whether there is a password: [@start, @end) is to be cut
 */
gboolean
upg_secret_url_password_span (const char  *authority,
                              const char  *authority_end,
                              const char **start,
                              const char **end)
{
  const char *at = NULL, *colon;

  for (const char *p = authority; p < authority_end; p++)
    if (*p == '@')
      at = p;
  if (at == NULL || (colon = memchr (authority, ':', at - authority)) == NULL)
    return FALSE;
  *start = colon;
  *end = at;
  return TRUE;
}

/*
 * upg_secret_scrub:
 * @text: text to show: a message, a command's argument
 * @secrets: (nullable) (array zero-terminated=1): values to hide
 *
 * Cuts the password of every URL in @text (each `scheme://` starts one;
 * see upg_secret_url_password_span()), then replaces every occurrence of
 * each non-empty value of @secrets by `***`. The URLs go first: a
 * password that is also a secret value leaves no `***` behind in the URL,
 * the same line whether or not the engine knows the value.
 *
 * Returns: (transfer full): @text without the secrets
 */
char *
upg_secret_scrub (const char         *text,
                  const char * const *secrets)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (text));
  const char *rest = text;
  const char *scheme_end;

  while ((scheme_end = strstr (rest, "://")) != NULL)
    {
      const char *authority = scheme_end + 3;
      const char *authority_end = authority + strcspn (authority, AUTHORITY_END_IN_TEXT);
      const char *start, *end;

      if (upg_secret_url_password_span (authority, authority_end, &start, &end))
        {
          g_string_append_len (out, rest, start - rest);
          g_string_append_len (out, end, authority_end - end);
        }
      else
        g_string_append_len (out, rest, authority_end - rest);
      rest = authority_end;
    }
  g_string_append (out, rest);

  for (guint i = 0; secrets != NULL && secrets[i] != NULL; i++)
    if (*secrets[i] != '\0')
      g_string_replace (out, secrets[i], "***", 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/*
 * upg_secret_scrub_env:
 * @text: text to show
 * @env_names: (array zero-terminated=1): names of environment variables
 *   holding secrets (the configuration's secret_env)
 *
 * upg_secret_scrub() with the values these variables have in this
 * process; unset or empty ones hide nothing.
 *
 * Returns: (transfer full): @text without the secrets
 */
char *
upg_secret_scrub_env (const char         *text,
                      const char * const *env_names)
{
  g_autoptr(GPtrArray) values = g_ptr_array_new ();

  for (guint i = 0; env_names != NULL && env_names[i] != NULL; i++)
    {
      const char *value = g_getenv (env_names[i]);

      if (value != NULL)
        g_ptr_array_add (values, (gpointer) value);
    }
  g_ptr_array_add (values, NULL);
  return upg_secret_scrub (text, (const char * const *) values->pdata);
}
