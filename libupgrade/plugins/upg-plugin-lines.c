/* upg-plugin-lines.c - lines of a plugin host, no longer than a limit
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a plugin host writes (its channel, the plugin's output) is read
 * line by line. GDataInputStream keeps a line in memory until its end,
 * however long: a plugin that prints a file without a line break, or
 * logs one, held all of it (and its JSON parse) in the engine's memory,
 * 1.3 GB for a 256 MB line. Here a line longer than the limit is returned
 * cut at the limit, and the rest of it is skipped as it arrives: the
 * memory a host costs the engine stays bounded by the limit.
 */
#include "config.h"

#include <string.h>

#include "upg-plugin-lines-private.h"

struct _UpgPluginLines
{
  GBufferedInputStream *stream;
  gsize                 max_length;
  gboolean              skipping;   /* in the rest of a line that was cut */
};

typedef struct {
  char     *line;
  gsize     length;
  gboolean  cut;
} Line;

static void
line_free (Line *line)
{
  g_free (line->line);
  g_free (line);
}

/*
 * upg_plugin_lines_new:
 * @stream: what the host writes
 * @max_length: the longest line returned whole, in bytes
 *
 * Returns: (transfer full): a reader of @stream's lines
 */
UpgPluginLines *
upg_plugin_lines_new (GInputStream *stream,
                      gsize         max_length)
{
  UpgPluginLines *lines = g_new0 (UpgPluginLines, 1);

  lines->stream = G_BUFFERED_INPUT_STREAM (g_buffered_input_stream_new_sized (stream, max_length + 1));
  lines->max_length = max_length;
  return lines;
}

void
upg_plugin_lines_free (UpgPluginLines *lines)
{
  g_clear_object (&lines->stream);
  g_free (lines);
}

/* Takes @length bytes of the buffer as the line, and @used (the line
 * and its end) out of the buffer before the task returns: its callback
 * may read the next line at once. */
static void
return_line (GTask      *task,
             gsize       length,
             gsize       used,
             gboolean    cut)
{
  UpgPluginLines *lines = g_task_get_task_data (task);
  gsize available;
  const char *data = g_buffered_input_stream_peek_buffer (lines->stream, &available);
  Line *line = g_new0 (Line, 1);

  if (!cut && length > 0 && data[length - 1] == '\r')
    length--;
  line->line = g_strndup (data, length);
  line->length = length;
  line->cut = cut;
  g_input_stream_skip (G_INPUT_STREAM (lines->stream), used, NULL, NULL);
  g_task_return_pointer (task, line, (GDestroyNotify) line_free);
  g_object_unref (task);
}

static void fill (GTask *task);

/* A whole line from the buffer, or the first max_length bytes of a
 * longer one; otherwise more is read. */
static void
next_line (GTask *task)
{
  UpgPluginLines *lines = g_task_get_task_data (task);
  gsize available;
  const char *data = g_buffered_input_stream_peek_buffer (lines->stream, &available);
  const char *end = memchr (data, '\n', available);

  if (lines->skipping)
    {
      gsize skipped = end != NULL ? (gsize) (end - data) + 1 : available;

      g_input_stream_skip (G_INPUT_STREAM (lines->stream), skipped, NULL, NULL);
      lines->skipping = end == NULL;
      if (end != NULL)
        next_line (task);
      else
        fill (task);
      return;
    }
  if (end != NULL)
    return_line (task, end - data, end - data + 1, FALSE);
  else if (available >= lines->max_length)
    {
      lines->skipping = TRUE;
      return_line (task, lines->max_length, lines->max_length, TRUE);
    }
  else
    fill (task);
}

static void
on_filled (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  UpgPluginLines *lines = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_buffered_input_stream_fill_finish (lines->stream, result, &error);
  gsize available;

  if (n < 0)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (n > 0)
    {
      next_line (task);
      return;
    }
  /* End of file: what is left is the last line, without its '\n'. */
  g_buffered_input_stream_peek_buffer (lines->stream, &available);
  if (available > 0 && !lines->skipping)
    {
      return_line (task, available, available, FALSE);
      return;
    }
  g_task_return_pointer (task, NULL, NULL);
  g_object_unref (task);
}

static void
fill (GTask *task)
{
  UpgPluginLines *lines = g_task_get_task_data (task);

  g_buffered_input_stream_fill_async (lines->stream, -1, G_PRIORITY_DEFAULT,
                                      g_task_get_cancellable (task), on_filled, task);
}

/*
 * upg_plugin_lines_read_async:
 *
 * Reads the next line; one read at a time.
 */
void
upg_plugin_lines_read_async (UpgPluginLines      *lines,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, upg_plugin_lines_read_async);
  g_task_set_task_data (task, lines, NULL);
  next_line (task);
}

/*
 * upg_plugin_lines_read_finish:
 * @length: (out): the line's length (it may hold NUL bytes)
 * @cut: (out): whether the line was longer than the limit, and this is
 *   its beginning
 *
 * Returns: (transfer full) (nullable): the line without its end, or %NULL
 *   at the end of the stream (@error unset) or on an error
 */
char *
upg_plugin_lines_read_finish (UpgPluginLines  *lines,
                              GAsyncResult    *result,
                              gsize           *length,
                              gboolean        *cut,
                              GError         **error)
{
  Line *line = g_task_propagate_pointer (G_TASK (result), error);
  char *text;

  if (line == NULL)
    return NULL;
  *length = line->length;
  *cut = line->cut;
  text = g_steal_pointer (&line->line);
  line_free (line);
  return text;
}
