/* upgradectl-log.c - the structured log writer of upgradectl and upgraded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GLib's default writer prints the program name, the pid and the domain on
 * every line, and shows debug output for every domain or none. An operator
 * wants one short line per event, the execution id on every line an
 * execution causes, and `-v` to show our own debug output without the noise
 * of GIO or libsoup. This writer does that; it is independent of UpgCtl so
 * the HTTP service installs it too.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>

#include "upgradectl-log.h"

static int log_verbosity = UPGCTL_VERBOSITY_NORMAL;
static int log_hide_outcomes = FALSE;
/* A detached run (upgradectl-detach.c) writes to a log file shared by
 * every detached run: each line then starts with the time and the
 * execution ("[pid N]" until the execution is known). */
static GMutex log_detached_mutex;
static char *log_detached_tag;

/**
 * upgctl_log_set_detached:
 * @execution_id: (nullable): the execution, %NULL before it is known
 *
 * Turns on the prefix of a detached run's lines: the local time and
 * `[exec ID]`, or `[pid N]` while @execution_id is %NULL. Applies to log
 * lines and to what g_print() prints.
 */
void
upgctl_log_set_detached (const char *execution_id)
{
  g_mutex_lock (&log_detached_mutex);
  g_free (log_detached_tag);
  log_detached_tag = execution_id != NULL ? g_strdup_printf ("[exec %s]", execution_id)
                                          : g_strdup_printf ("[pid %d]", (int) getpid ());
  g_mutex_unlock (&log_detached_mutex);
}

/* Writes @text to @stream, each line prefixed as upgctl_log_set_detached()
 * asked (unchanged when it was not called). Lines that carry their
 * execution tag already get only the time. */
static void
write_lines (FILE       *stream,
             const char *text)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;

  g_mutex_lock (&log_detached_mutex);
  if (log_detached_tag == NULL)
    {
      g_mutex_unlock (&log_detached_mutex);
      fputs (text, stream);
      fflush (stream);
      return;
    }
  now = g_date_time_new_now_local ();
  stamp = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  out = g_string_new (NULL);
  for (const char *line = text; *line != '\0';)
    {
      const char *end = strchr (line, '\n');
      gsize len = end != NULL ? (gsize) (end - line) + 1 : strlen (line);

      g_string_append_printf (out, "%s ", stamp);
      if (!g_str_has_prefix (line, "[exec "))
        g_string_append_printf (out, "%s ", log_detached_tag);
      g_string_append_len (out, line, len);
      line += len;
    }
  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
  g_mutex_unlock (&log_detached_mutex);
  fputs (out->str, stream);
  fflush (stream);
}

static void
print_detached (const char *text)
{
  write_lines (stdout, text);
}

/**
 * upgctl_log_detached_print_handler:
 *
 * Returns: the g_set_print_handler() handler of a detached run
 */
GPrintFunc
upgctl_log_detached_print_handler (void)
{
  return print_detached;
}

/**
 * upgctl_log_set_verbosity:
 * @verbosity: what to let through from now on
 *
 * Changes the verbosity of an installed writer (e.g. after `-v` was found
 * after the command name).
 */
void
upgctl_log_set_verbosity (UpgCtlVerbosity verbosity)
{
  g_atomic_int_set (&log_verbosity, verbosity);
}

static gboolean
domain_is_ours (const char *domain)
{
  return domain != NULL && g_str_has_prefix (domain, "upgrade");
}

/**
 * upgctl_log_would_print:
 * @level: the level of a message
 * @domain: (nullable): its log domain
 *
 * Tells whether the writer prints a message, so that callers can skip
 * building expensive debug output.
 *
 * Returns: %TRUE if a message of that level and domain is printed
 */
gboolean
upgctl_log_would_print (GLogLevelFlags level, const char *domain)
{
  UpgCtlVerbosity verbosity = g_atomic_int_get (&log_verbosity);

  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return TRUE;
  if (verbosity == UPGCTL_VERBOSITY_QUIET)
    return FALSE;
  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE))
    return TRUE;
  if (verbosity == UPGCTL_VERBOSITY_VERBOSE && domain_is_ours (domain))
    return TRUE;

  /* Still honour G_MESSAGES_DEBUG for other domains when debugging. */
  return !g_log_writer_default_would_drop (level, domain);
}

static const char *
level_prefix (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return _("error: ");
  if (level & G_LOG_LEVEL_CRITICAL)
    return _("critical: ");
  if (level & G_LOG_LEVEL_WARNING)
    return _("warning: ");
  if (level & G_LOG_LEVEL_DEBUG)
    return _("debug: ");
  return "";
}

static void
append_field_value (GString *line, const GLogField *field)
{
  if (field->length < 0)
    g_string_append (line, field->value);
  else
    g_string_append_len (line, field->value, field->length);
}

static const GLogField *
find_field (const GLogField *fields, gsize n_fields, const char *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, key) == 0)
      return &fields[i];
  return NULL;
}

static char *
field_to_string (const GLogField *field)
{
  if (field == NULL)
    return NULL;
  if (field->length < 0)
    return g_strdup (field->value);
  return g_strndup (field->value, field->length);
}

/* Whether @message starts with `[<exec_id>] `; no copies: this runs for
 * every line printed. */
static gboolean
message_starts_with_id (const GLogField *message,
                        const GLogField *exec_id)
{
  const char *text = message != NULL ? message->value : NULL;
  const char *id = exec_id->value;
  gsize text_len, id_len;

  if (text == NULL || id == NULL)
    return FALSE;
  text_len = message->length < 0 ? strlen (text) : (gsize) message->length;
  id_len = exec_id->length < 0 ? strlen (id) : (gsize) exec_id->length;
  return text_len >= id_len + 3 && text[0] == '[' && memcmp (text + 1, id, id_len) == 0 &&
         text[id_len + 1] == ']' && text[id_len + 2] == ' ';
}

/**
 * upgctl_log_format_line:
 * @level: the level of the message
 * @fields: (array length=n_fields): its structured fields
 * @n_fields: number of @fields
 *
 * Formats one message as the writer prints it:
 * `[exec <uuid>] warning: text`, without the execution tag when the
 * fields have no `UPGRADE_EXECUTION_ID`, with the domain for debug lines.
 *
 * Returns: (transfer full): the line, ending with a newline
 */
char *
upgctl_log_format_line (GLogLevelFlags   level,
                        const GLogField *fields,
                        gsize            n_fields)
{
  GString *line = g_string_new (NULL);
  const GLogField *exec_id = find_field (fields, n_fields, UPGCTL_LOG_FIELD_EXECUTION_ID);
  const GLogField *message = find_field (fields, n_fields, "MESSAGE");
  const GLogField *domain = find_field (fields, n_fields, "GLIB_DOMAIN");

  /* The engine's own lines start with their execution id already. */
  if (exec_id != NULL && !message_starts_with_id (message, exec_id))
    {
      g_string_append (line, "[exec ");
      append_field_value (line, exec_id);
      g_string_append (line, "] ");
    }
  g_string_append (line, level_prefix (level));
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && domain != NULL)
    {
      append_field_value (line, domain);
      g_string_append (line, ": ");
    }
  if (message != NULL)
    append_field_value (line, message);
  else
    g_string_append (line, _("(no message)"));
  g_string_append_c (line, '\n');

  return g_string_free (line, FALSE);
}

/**
 * upgctl_log_hide_outcomes:
 *
 * The command prints its own summary of how each step and the execution
 * ended (the step lines and "Execution …: FAILED" with the breakpoint's
 * error): unless `-v`, the engine's lines saying the same
 * (`UPGRADE_OUTCOME`) are left out, so that an error shows once.
 */
void
upgctl_log_hide_outcomes (void)
{
  g_atomic_int_set (&log_hide_outcomes, TRUE);
}

static gboolean
is_hidden_outcome (GLogLevelFlags   level,
                   const GLogField *fields,
                   gsize            n_fields)
{
  return g_atomic_int_get (&log_hide_outcomes) &&
         g_atomic_int_get (&log_verbosity) != UPGCTL_VERBOSITY_VERBOSE &&
         !(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) &&
         find_field (fields, n_fields, "UPGRADE_OUTCOME") != NULL;
}

static GLogWriterOutput
upgctl_log_writer (GLogLevelFlags   level,
                   const GLogField *fields,
                   gsize            n_fields,
                   gpointer         user_data)
{
  g_autofree char *domain = field_to_string (find_field (fields, n_fields, "GLIB_DOMAIN"));
  g_autofree char *line = NULL;

  if (!upgctl_log_would_print (level, domain) || is_hidden_outcome (level, fields, n_fields))
    return G_LOG_WRITER_HANDLED;

  /* One fputs per line: stdio locks the stream, so lines from several
   * threads never interleave. */
  line = upgctl_log_format_line (level, fields, n_fields);
  write_lines (stderr, line);

  return G_LOG_WRITER_HANDLED;
}

/**
 * upgctl_log_install:
 * @verbosity: what to let through
 *
 * Installs the writer for the whole process. GLib allows this once per
 * process, before anything is logged; later calls only change the
 * verbosity.
 */
void
upgctl_log_install (UpgCtlVerbosity verbosity)
{
  static gsize installed = 0;

  upgctl_log_set_verbosity (verbosity);
  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (upgctl_log_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}
