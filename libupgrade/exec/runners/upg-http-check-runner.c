/* upg-http-check-runner.c - runs an `http_check` step: a health URL's answer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GETs the URL (libsoup, synchronously in the run's worker thread, with
 * the run's GCancellable) until it answers `expect_status` with a body
 * containing `expect_body`, at most `retries` + 1 times, `interval`
 * seconds apart, each request limited to `timeout` seconds. A step that
 * never gets that answer fails with the last status (or the last
 * connection error) and an excerpt of the last body, bounded to
 * BODY_EXCERPT characters; only the first BODY_LIMIT bytes of a body are
 * read. A bearer token comes from the variable `token_env` and is sent in
 * the Authorization header only: never logged, never in a message (the
 * URL is shown without its password).
 *
 * A health check only reads: after a kill -9 it runs again. Every request
 * counts as a statement sent for the crash hook
 * (UPGRADE_TEST_CRASH_AT="<n>:before-send" stops before the n-th).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "upg-config-template-private.h"
#include "upg-executor-private.h"
#include "upg-step-kinds-private.h"
#include "upg-url-private.h"

#define BODY_LIMIT 65536
#define BODY_EXCERPT 200

typedef struct {
  guint    status;     /* 0: no answer */
  char    *body;       /* what was read of it */
  GError  *error;      /* no answer: why */
} Answer;

static void
answer_clear (Answer *answer)
{
  answer->status = 0;
  g_clear_pointer (&answer->body, g_free);
  g_clear_error (&answer->error);
}

/* One line, valid UTF-8, at most BODY_EXCERPT characters. */
static char *
excerpt (const char *body)
{
  g_autofree char *valid = g_utf8_make_valid (body != NULL ? body : "", -1);
  g_autoptr(GString) text = NULL;

  if (g_utf8_strlen (valid, -1) > BODY_EXCERPT)
    {
      g_autofree char *cut = g_utf8_substring (valid, 0, BODY_EXCERPT);
      text = g_string_new (cut);
      g_string_append (text, "…");
    }
  else
    text = g_string_new (valid);
  g_string_replace (text, "\r", " ", 0);
  g_string_replace (text, "\n", " ", 0);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
get_once (SoupSession  *session,
          GUri         *uri,
          const char   *token,
          GCancellable *cancellable,
          Answer       *answer)
{
  g_autoptr(SoupMessage) message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  g_autoptr(GInputStream) in = NULL;
  g_autofree char *buffer = g_malloc (BODY_LIMIT + 1);
  gsize read = 0;

  if (token != NULL)
    {
      g_autofree char *bearer = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization", bearer);
    }
  in = soup_session_send (session, message, cancellable, &answer->error);
  if (in == NULL)
    return;
  answer->status = soup_message_get_status (message);
  /* A body that does not arrive within the timeout is an answer without
   * a body: the status is what counts first. */
  g_input_stream_read_all (in, buffer, BODY_LIMIT, &read, cancellable, NULL);
  buffer[read] = '\0';
  answer->body = g_steal_pointer (&buffer);
  g_input_stream_close (in, NULL, NULL);
}

/* Waits @seconds, or less if the run is cancelled. */
static void
wait_interval (GCancellable *cancellable,
               guint         seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < until && !g_cancellable_is_cancelled (cancellable))
    g_usleep (MIN (100 * 1000, until - g_get_monotonic_time ()));
}

static gboolean
answer_ok (const UpgHttpCheck *check,
           const Answer       *answer)
{
  return answer->status == check->expect_status &&
         (check->expect_body == NULL || (answer->body != NULL && strstr (answer->body, check->expect_body) != NULL));
}

static void
set_failure (GError            **error,
             UpgStep            *step,
             const char         *shown_url,
             const UpgHttpCheck *check,
             const Answer       *last,
             guint               attempts)
{
  const char *id = upg_step_get_id (step);
  g_autofree char *body = NULL;

  if (last->status == 0)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                   g_dngettext (GETTEXT_PACKAGE, "step '%s': %s did not answer (%u attempt): %s",
                                "step '%s': %s did not answer (%u attempts): %s", attempts),
                   id, shown_url, attempts, last->error != NULL ? last->error->message : "");
      return;
    }
  body = excerpt (last->body);
  if (last->status != check->expect_status)
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                 g_dngettext (GETTEXT_PACKAGE,
                              "step '%s': %s answered HTTP %u, expected %u (%u attempt); body: %s",
                              "step '%s': %s answered HTTP %u, expected %u (%u attempts); body: %s", attempts),
                 id, shown_url, last->status, check->expect_status, attempts, body);
  else
    g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                 g_dngettext (GETTEXT_PACKAGE,
                              "step '%s': %s answered HTTP %u without \"%s\" in its body (%u attempt); body: %s",
                              "step '%s': %s answered HTTP %u without \"%s\" in its body (%u attempts); body: %s",
                              attempts),
                 id, shown_url, last->status, check->expect_body, attempts, body);
}

/*
 * upg_http_check_runner_run_step:
 *
 * Runs the `http_check` of @step; on success its result is the status
 * and the attempt that got it.
 */
gboolean
upg_http_check_runner_run_step (UpgRunContext *ctx,
                                UpgStep       *step,
                                GError       **error)
{
  g_autoptr(UpgHttpCheck) check = upg_step_get_http_check (step);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *shown_url = NULL;
  const char *token = NULL;
  Answer last = { 0 };
  guint attempt;

  g_return_val_if_fail (check != NULL, FALSE);
  /* The URL may name the site's values (`${env.KEY}`…): rendered here. */
  if (strstr (check->url, "${") != NULL)
    {
      UpgTemplateValues values = { ctx->site_id, ctx->from_text, ctx->to_text, ctx->env,
                                   upg_executor_get_config (ctx->executor) };
      g_autoptr(GError) local_error = NULL;
      g_autofree char *rendered = upg_config_template_render (check->url, strlen (check->url), "url", &values,
                                                               &local_error);

      if (rendered == NULL)
        return upg_step_set_error (error, step, "%s", local_error->message);
      uri = g_uri_parse (rendered, G_URI_FLAGS_HAS_PASSWORD, &local_error);
      if (uri == NULL || (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
                          g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
        {
          /* A password may come from `${env.KEY}`: hidden like any other. */
          g_autofree char *shown_template = upg_url_redact (check->url);
          g_autofree char *shown_rendered = upg_url_redact (rendered);

          g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                       _("step '%s': the URL rendered from %s is not an http:// or https:// URL: %s"),
                       upg_step_get_id (step), shown_template, shown_rendered);
          return FALSE;
        }
    }
  else
    uri = g_uri_parse (check->url, G_URI_FLAGS_HAS_PASSWORD, NULL);
  g_return_val_if_fail (uri != NULL, FALSE);
  {
    g_autofree char *full_url = g_uri_to_string (uri);

    shown_url = upg_url_redact (full_url);
  }
  if (check->token_env != NULL)
    {
      token = g_getenv (check->token_env);
      if (token == NULL || *token == '\0')
        {
          g_set_error (error, UPG_ERROR, UPG_ERROR_STEP_FAILED,
                       _("step '%s': the bearer token variable %s is not set"), upg_step_get_id (step),
                       check->token_env);
          return FALSE;
        }
    }
  session = soup_session_new_with_options ("timeout", check->timeout, "idle-timeout", check->timeout, NULL);

  for (attempt = 1; attempt <= check->retries + 1; attempt++)
    {
      if (attempt > 1)
        wait_interval (ctx->cancellable, check->interval);
      if (g_cancellable_is_cancelled (ctx->cancellable))
        break;
      answer_clear (&last);
      ctx->statements_sent++;
      upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
      get_once (session, uri, token, ctx->cancellable, &last);
      if (answer_ok (check, &last))
        {
          upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: %s answered HTTP %u (attempt %u)"),
                               upg_step_get_id (step), shown_url, last.status, attempt);
          g_free (ctx->step_result);
          ctx->step_result = g_strdup_printf (_("%s answered HTTP %u (attempt %u of %u)"), shown_url, last.status,
                                              attempt, check->retries + 1);
          answer_clear (&last);
          return TRUE;
        }
      if (last.status != 0)
        upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s: %s answered HTTP %u (attempt %u of %u)"),
                             upg_step_get_id (step), shown_url, last.status, attempt, check->retries + 1);
      else
        upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE, _("%s: %s did not answer (attempt %u of %u): %s"),
                             upg_step_get_id (step), shown_url, attempt, check->retries + 1,
                             last.error != NULL ? last.error->message : "");
    }
  if (g_cancellable_is_cancelled (ctx->cancellable))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("step '%s': the health check of %s was cancelled"),
                 upg_step_get_id (step), shown_url);
  else
    set_failure (error, step, shown_url, check, &last, attempt - 1);
  answer_clear (&last);
  return FALSE;
}
