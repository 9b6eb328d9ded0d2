/* upg-db-files.c - the files of backups: gzip streams, synced to disk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shared by the dumps of every engine (upg-db-dump*.c) and the restores
 * (upg-db-restore.c): each writes its archive through a private gzip
 * stream and syncs it before the journal calls the backup done.
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <unistd.h>

#include "upg-db-dump-private.h"

/*
 * upg_db_sync_file:
 *
 * Flushes @path to disk: a backup is complete only once it is there.
 */
gboolean
upg_db_sync_file (const char  *path,
                  GError     **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  int saved;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, UPG_ERROR, UPG_ERROR_FAILED, _("cannot write '%s' to disk: %s"), path, g_strerror (saved));
  return FALSE;
}

/*
 * upg_db_create_gzip:
 *
 * Returns: (transfer full): a private (0600) output stream on @path,
 *   compressing with gzip, or %NULL with @error set
 */
GOutputStream *
upg_db_create_gzip (const char  *path,
                    GError     **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileOutputStream) out = NULL;
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);

  out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                        error);
  if (out == NULL)
    return NULL;
  return g_converter_output_stream_new (G_OUTPUT_STREAM (out), G_CONVERTER (compressor));
}

/*
 * upg_db_gzip_file:
 * @compress: %TRUE: gzip @from into @to; %FALSE: gunzip it
 *
 * @to is created private (0600) and synced to disk.
 */
gboolean
upg_db_gzip_file (const char    *from,
                  const char    *to,
                  gboolean       compress,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autoptr(GFile) in_file = g_file_new_for_path (from);
  g_autoptr(GFileInputStream) raw_in = g_file_read (in_file, cancellable, error);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;

  if (raw_in == NULL)
    return FALSE;
  if (compress)
    {
      in = G_INPUT_STREAM (g_object_ref (raw_in));
      out = upg_db_create_gzip (to, error);
    }
  else
    {
      g_autoptr(GZlibDecompressor) decompressor = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
      g_autoptr(GFile) out_file = g_file_new_for_path (to);

      in = g_converter_input_stream_new (G_INPUT_STREAM (raw_in), G_CONVERTER (decompressor));
      out = G_OUTPUT_STREAM (g_file_replace (out_file, NULL, FALSE,
                                             G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                             cancellable, error));
    }
  if (out == NULL)
    return FALSE;
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                              cancellable, error) < 0)
    return FALSE;
  return upg_db_sync_file (to, error);
}
