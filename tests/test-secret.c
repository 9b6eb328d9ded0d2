/* test-secret.c - one rule for the secrets cut out of shown text: URL
 * passwords as operators write them, and known secret values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib.h>

#include "upg-secret-private.h"
#include "upg-url-private.h"

typedef struct
{
  const char *text;
  const char *shown;
} Case;

static void
assert_scrubbed (const Case *cases,
                 gsize       n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autofree char *shown = upg_secret_scrub (cases[i].text, NULL);

      g_test_message ("%s", cases[i].text);
      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

/* The URLs of connection strings, health checks and ClickHouse's HTTP
 * interface: the password goes, the user, host, port, path and query
 * stay as written. */
static void
test_urls (void)
{
  static const Case cases[] = {
    { "mysql://u:p@h/db", "mysql://u@h/db" },
    { "postgresql://u:p%40x@h:5432/db?sslmode=require", "postgresql://u@h:5432/db?sslmode=require" },
    { "http://default:pw@127.0.0.1:8123", "http://default@127.0.0.1:8123" },
    /* An unencoded '@' or ':' in the password: the user info ends at the
     * last '@', the user at the first ':' (as GUri reads it). */
    { "mysql://u:p@ss@h/db", "mysql://u@h/db" },
    { "mysql://u:pa:ss@h:3306/db", "mysql://u@h:3306/db" },
    { "mysql://u:a@b:c@h/db", "mysql://u@h/db" },
    /* Nothing to hide. */
    { "mysql://h/db", "mysql://h/db" },
    { "http://127.0.0.1:8123", "http://127.0.0.1:8123" },
    { "mysql://u@h/db", "mysql://u@h/db" },
    { "http://[::1]:8123/?query=1", "http://[::1]:8123/?query=1" },
    /* IPv6: the host's colons are after the '@'. */
    { "postgresql://u:p@[::1]:5432/db", "postgresql://u@[::1]:5432/db" },
    { "postgresql://u@[::1]:5432/db", "postgresql://u@[::1]:5432/db" },
    /* A '@' in the path or query is not user info. */
    { "http://h/a:b@c?x=y:z@w", "http://h/a:b@c?x=y:z@w" },
  };

  assert_scrubbed (cases, G_N_ELEMENTS (cases));
}

/* URLs in running text: an argument (--url=…, quoted), a message with
 * two of them, a URL in another's query; an e-mail address or `a:b@c`
 * without a scheme is not a URL. */
static void
test_text (void)
{
  static const Case cases[] = {
    { "--url=mysql://root:hunter2@db1:3306/app", "--url=mysql://root@db1:3306/app" },
    { "copy mysql://a:x@h1/db to postgresql://b:y@h2:5432/db now",
      "copy mysql://a@h1/db to postgresql://b@h2:5432/db now" },
    { "copy mysql://a:x@h1 to http://b:y@h2", "copy mysql://a@h1 to http://b@h2" },
    { "probe 'http://probe:s3cret@health.example/up' failed",
      "probe 'http://probe@health.example/up' failed" },
    { "<http://u:p@h>: \"http://v:q@k\"", "<http://u@h>: \"http://v@k\"" },
    { "http://h/login?next=http://u:p@k/x", "http://h/login?next=http://u@k/x" },
    { "mail ops@example.com: disk full at 10:00", "mail ops@example.com: disk full at 10:00" },
    { "scp backup:old@host", "scp backup:old@host" },
    { "", "" },
    { "://", "://" },
    { "x://a:b@", "x://a@" },
  };

  assert_scrubbed (cases, G_N_ELEMENTS (cases));
}

/* Known values become `***` wherever they are, after the URLs lost their
 * passwords; empty values hide nothing. */
static void
test_values (void)
{
  const char *secrets[] = { "hunter2", "", "pa;ss=w", NULL };
  const char *text = "auth USERNAME=u;PASSWORD=pa;ss=w failed; hunter2 was refused twice: hunter2 "
                     "(mysql://u:hunter2@h/db)";
  g_autofree char *shown = upg_secret_scrub (text, secrets);

  g_assert_cmpstr (shown, ==, "auth USERNAME=u;PASSWORD=*** failed; *** was refused twice: *** "
                   "(mysql://u@h/db)");
}

static void
test_env (void)
{
  const char *names[] = { "UPG_TEST_SECRET_SET", "UPG_TEST_SECRET_UNSET", "UPG_TEST_SECRET_EMPTY", NULL };
  g_autofree char *shown = NULL;
  g_autofree char *none = NULL;

  g_setenv ("UPG_TEST_SECRET_SET", "t0ken", TRUE);
  g_unsetenv ("UPG_TEST_SECRET_UNSET");
  g_setenv ("UPG_TEST_SECRET_EMPTY", "", TRUE);
  shown = upg_secret_scrub_env ("--token=t0ken http://u:t0ken@h/", names);
  g_assert_cmpstr (shown, ==, "--token=*** http://u@h/");
  none = upg_secret_scrub_env ("--token=t0ken", NULL);
  g_assert_cmpstr (none, ==, "--token=t0ken");
}

/* upg_url_redact() reads one URL by the same rule, and also a URL
 * without its scheme (text meant as one). */
static void
test_url_redact (void)
{
  static const Case cases[] = {
    { "http://probe:secret@host/health", "http://probe@host/health" },
    { "postgresql://u:p%40x@h:5432/db?sslmode=require", "postgresql://u@h:5432/db?sslmode=require" },
    { "mysql://u:p@ss@h/db", "mysql://u@h/db" },
    { "postgresql://u:p@[::1]:5432/db", "postgresql://u@[::1]:5432/db" },
    { "probe:secret@host/health", "probe@host/health" },
    { "http://{{user}}:{{password}}@host/", "http://{{user}}@host/" },
    { "http://[::1]:8123", "http://[::1]:8123" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = upg_url_redact (cases[i].text);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/secret/urls", test_urls);
  g_test_add_func ("/secret/text", test_text);
  g_test_add_func ("/secret/values", test_values);
  g_test_add_func ("/secret/env", test_env);
  g_test_add_func ("/secret/url-redact", test_url_redact);
  return g_test_run ();
}
