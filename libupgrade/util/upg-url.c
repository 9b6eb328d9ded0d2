/* upg-url.c - URLs as messages, logs, reports and the journal show them
 *
 * A URL in a manifest or the configuration may carry a password in its
 * user info (`http://probe:secret@host/health`). Every place that names
 * such a URL (validation problems, plan and assessment lines, step
 * results, breakpoints, notification deliveries) goes through
 * upg_url_redact(), so that there is one rule for what is hidden.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "upg-secret-private.h"
#include "upg-url-private.h"

/**
 * upg_url_redact:
 * @url: a URL, or text meant as one (a template with placeholders, a URL
 *   that failed to parse)
 *
 * Cuts the password from the user info of @url's authority (the text
 * between `scheme://` and the first `/`, `?` or `#`; its user info ends at
 * its last `@`, as GUri and browsers read it). The rest is kept as
 * written: no normalisation, so that a message shows what the operator
 * wrote, placeholders included.
 *
 * Returns: (transfer full): @url without the password of its user info
 *   (the user stays, so that the operator can tell which account)
 */
char *
upg_url_redact (const char *url)
{
  const char *scheme_end, *authority, *authority_end, *colon, *at;

  g_return_val_if_fail (url != NULL, NULL);
  scheme_end = strstr (url, "://");
  authority = scheme_end != NULL ? scheme_end + 3 : url;
  authority_end = authority + strcspn (authority, "/?#");
  if (!upg_secret_url_password_span (authority, authority_end, &colon, &at))
    return g_strdup (url);

  return g_strdup_printf ("%.*s%s", (int) (colon - url), url, at);
}
