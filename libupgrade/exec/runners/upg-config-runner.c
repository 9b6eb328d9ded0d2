/* upg-config-runner.c - runs a `config` step: a configuration file rendered
 * from a template, and its rollback
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * `"config": {"target": "/etc/ft/application.json", "template":
 * "config/application.json.in", "format": "json"}` renders the bundle's
 * template (model/upg-config-template.c), parses the result as `format`,
 * keeps the previous target in the execution's backup folder
 * (<state-dir>/backups/<site>/<execution>/config/<step>.<name>, 0600) and
 * replaces the target atomically: the content goes to a temporary file in
 * the target's folder, which gets the previous file's mode and owner and
 * is fsync'ed, then renamed over the target, and the folder is fsync'ed.
 * A reader sees the old file or the new one, never a part.
 *
 * Exactly once across kill -9 (journal table `upgrade_config_file`): the
 * row is journaled RUNNING with both SHA-256 (previous, rendered) after
 * the previous file is kept and before the rename, APPLIED after it. A
 * re-run that finds a RUNNING or APPLIED row of the step keeps using the
 * copy it names as "the previous file" — never the target as it is now,
 * which may already be the rendered one — and, when the target already
 * has the rendered content (the kill came between the rename and the
 * journal), only journals it APPLIED.
 *
 * A target that is a symbolic link (`/etc/ft/app.json` -> `/opt/ft/conf/
 * app.json`, as packages often lay them) stays a link: the file at the end
 * of the link chain is the one kept, replaced (its temporary file beside
 * it, in its folder) and put back; a dangling link gets its file created.
 *
 * A rollback of the stage puts the kept file back the same way, with the
 * mode and owner it had (upg_config_runner_restore(), called for each
 * upgrade step the rollback reverts); a target that did not exist is
 * removed. The row becomes RESTORED.
 *
 * Crash points for tests (UPGRADE_TEST_CRASH_AT="<n>:<point>"), the
 * replacement or restore being the n-th "statement": before-send (row
 * journaled, nothing written), after-execute-before-commit (temporary
 * file complete, not renamed), after-commit-before-journal (renamed, row
 * still RUNNING).
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upg-backup-restore-private.h"
#include "upg-config-template-private.h"
#include "upg-executor-private.h"
#include "upg-journal-config-files-private.h"
#include "upg-step-private.h"

#define DEFAULT_MODE 0644

typedef struct {
  gboolean exists;
  guint32  mode;
  guint32  uid;
  guint32  gid;
  char    *sha256;   /* NULL when it does not exist */
  GBytes  *content;
} FileState;

static void
file_state_clear (FileState *state)
{
  g_clear_pointer (&state->sha256, g_free);
  g_clear_pointer (&state->content, g_bytes_unref);
}

static gboolean
fail (UpgStep     *step,
      GError     **error,
      const char  *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (UpgStep     *step,
      GError     **error,
      const char  *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* Without a step: `upgradectl restore` of a kept file. */
  if (step == NULL)
    g_set_error_literal (error, UPG_ERROR, UPG_ERROR_STEP_FAILED, message);
  else
    upg_step_set_error (error, step, "%s", message);
  return FALSE;
}

static gboolean
fail_errno (UpgStep     *step,
            GError     **error,
            const char  *what,
            const char  *path,
            int          saved)
{
  return fail (step, error, _("cannot %s '%s': %s"), what, path, g_strerror (saved));
}

/* What @path holds now: mode, owner, content and its SHA-256. */
static gboolean
read_state (UpgStep     *step,
            const char  *path,
            FileState   *state,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;
  gsize length = 0;
  struct stat st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved != ENOENT)
        return fail_errno (step, error, _("read"), path, saved);
      state->exists = FALSE;
      return TRUE;
    }
  if (!S_ISREG (st.st_mode))
    return fail (step, error, _("'%s' is not a regular file"), path);
  if (!g_file_get_contents (path, &contents, &length, &local_error))
    return fail (step, error, "%s", local_error->message);
  state->exists = TRUE;
  state->mode = st.st_mode & 07777;
  state->uid = st.st_uid;
  state->gid = st.st_gid;
  state->content = g_bytes_new_take (contents, length);
  state->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, state->content);
  return TRUE;
}

static gboolean
write_all (int          fd,
           const char  *data,
           gsize        length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

static gboolean
fsync_folder (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/*
 * Replaces @path by @content atomically, with @mode and owner @uid:@gid:
 * a temporary file in the same folder (another file system would make
 * rename() fail), fsync'ed, renamed over @path, the folder fsync'ed. With
 * @ctx, the crash points of the top of this file.
 */
static gboolean
replace_file (UpgRunContext *ctx,
              UpgStep       *step,
              const char    *path,
              GBytes        *content,
              guint32        mode,
              guint32        uid,
              guint32        gid,
              GError       **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *name = g_strconcat (".", base, ".upgrade-tmp", NULL);
  g_autofree char *tmp = g_build_filename (dir, name, NULL);
  gsize length = 0;
  const char *data = g_bytes_get_data (content, &length);
  int fd, saved;

  /* Left by a kill: never renamed, nothing else refers to it. */
  g_unlink (tmp);
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail_errno (step, error, _("create"), tmp, errno);
  if ((uid != geteuid () || gid != getegid ()) && fchown (fd, uid, gid) != 0)
    {
      saved = errno;
      close (fd);
      g_unlink (tmp);
      return fail (step, error, _("cannot give '%s' the owner %u:%u of '%s': %s"), tmp, uid, gid,
                                 path, g_strerror (saved));
    }
  if (!write_all (fd, data, length) || fchmod (fd, mode) != 0 || fsync (fd) != 0)
    {
      saved = errno;
      close (fd);
      g_unlink (tmp);
      return fail_errno (step, error, _("write"), tmp, saved);
    }
  close (fd);
  if (ctx != NULL)
    upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_EXECUTE_BEFORE_COMMIT);
  if (g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_unlink (tmp);
      return fail_errno (step, error, _("replace"), path, saved);
    }
  if (!fsync_folder (dir))
    return fail_errno (step, error, _("sync the folder"), dir, errno);
  if (ctx != NULL)
    upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
  return TRUE;
}

/* The file at the end of @path's chain of symbolic links (@path itself
 * when it is no link, or does not exist): what is kept and replaced, so
 * that renaming over it never turns a link into a regular file. A
 * relative link is relative to the link's folder. */
static char *
resolve_links (UpgStep     *step,
               const char  *path,
               GError     **error)
{
  g_autofree char *current = g_strdup (path);

  for (guint hops = 0; hops < 40; hops++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *link = g_file_read_link (current, &local_error);
      g_autofree char *dir = NULL;

      if (link == NULL)
        {
          if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_INVAL) ||
              g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_steal_pointer (&current);
          return fail (step, error, "%s", local_error->message), NULL;
        }
      dir = g_path_get_dirname (current);
      g_free (current);
      current = g_path_is_absolute (link) ? g_steal_pointer (&link) : g_build_filename (dir, link, NULL);
    }
  return fail_errno (step, error, _("follow the links of"), path, ELOOP), NULL;
}

/* Reads and renders the template, and parses the result as its format. */
static GBytes *
render (UpgRunContext         *ctx,
        UpgStep               *step,
        const UpgConfigRender *spec,
        GError               **error)
{
  UpgExecutor *executor = ctx->executor;
  UpgTemplateValues values = { ctx->site_id, ctx->from_text, ctx->to_text, ctx->env,
                               upg_executor_get_config (executor) };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL, *contents = NULL, *text = NULL, *name = NULL;
  gsize length = 0;

  path = upg_bundle_resolve_path (upg_executor_get_bundle (executor), spec->template, &local_error);
  if (path == NULL || !g_file_get_contents (path, &contents, &length, &local_error))
    return fail (step, error, "%s", local_error->message), NULL;
  text = upg_config_template_render (contents, length, spec->template, &values, &local_error);
  if (text == NULL)
    return fail (step, error, "%s", local_error->message), NULL;
  name = g_strdup_printf (_("%s rendered from %s"), spec->target, spec->template);
  if (!upg_config_format_check (spec->format, text, strlen (text), name, &local_error))
    return fail (step, error, "%s", local_error->message), NULL;
  length = strlen (text);
  return g_bytes_new_take (g_steal_pointer (&text), length);
}

/* Keeps the target as it is now in the execution's backup folder and
 * journals the replacement RUNNING. */
static UpgConfigFileRecord *
keep_previous (UpgRunContext         *ctx,
               UpgStep               *step,
               const UpgConfigRender *spec,
               const FileState       *now,
               const char            *new_sha256,
               const char            *version,
               GError               **error)
{
  g_autoptr(UpgConfigFileRecord) record = g_new0 (UpgConfigFileRecord, 1);

  record->execution_id = g_strdup (upg_execution_get_id (ctx->execution));
  record->site_id = g_strdup (ctx->site_id);
  record->component = g_strdup (upg_step_get_component (step));
  record->version = g_strdup (version);
  record->step_id = g_strdup (upg_step_get_id (step));
  record->target = g_strdup (spec->target);
  record->new_sha256 = g_strdup (new_sha256);
  record->mode = now->exists ? now->mode : DEFAULT_MODE;
  record->uid = now->exists ? now->uid : geteuid ();
  record->gid = now->exists ? now->gid : getegid ();
  if (now->exists)
    {
      g_autofree char *dir = upg_backup_runner_folder (ctx, "config", error);
      g_autofree char *base = g_path_get_basename (spec->target);
      g_autofree char *name = g_strconcat (upg_step_get_id (step), ".", base, NULL);

      if (dir == NULL)
        return NULL;
      record->kept_path = g_build_filename (dir, name, NULL);
      record->old_sha256 = g_strdup (now->sha256);
      if (!replace_file (NULL, step, record->kept_path, now->content, 0600, geteuid (), getegid (), error))
        return NULL;
    }
  if (!upg_journal_begin_config_file (ctx->journal, record, error))
    return NULL;
  return g_steal_pointer (&record);
}

/* A relative target resolves against the configuration file's folder;
 * the target's folder is created (0755) when missing. */
static gboolean
resolve_target (UpgRunContext   *ctx,
                UpgStep         *step,
                UpgConfigRender *spec,
                GError         **error)
{
  const char *config_path = upg_config_get_path (upg_executor_get_config (ctx->executor));
  g_autofree char *dir = NULL;

  if (!g_path_is_absolute (spec->target))
    {
      g_autofree char *base = NULL, *absolute = NULL;

      if (config_path == NULL)
        return fail (step, error,
                                   _("the target '%s' is relative, and the configuration was not read from a file"),
                                   spec->target);
      base = g_path_get_dirname (config_path);
      absolute = g_canonicalize_filename (spec->target, base);
      g_free (spec->target);
      spec->target = g_steal_pointer (&absolute);
    }
  dir = g_path_get_dirname (spec->target);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    return fail_errno (step, error, _("create"), dir, errno);
  return TRUE;
}

static char *
short_sha (const char *sha256)
{
  return g_strndup (sha256 != NULL ? sha256 : "-", 12);
}

/*
 * upg_config_runner_run_step:
 *
 * Runs a `config` step: see the top of this file.
 */
gboolean
upg_config_runner_run_step (UpgRunContext *ctx,
                            UpgStep       *step,
                            GError       **error)
{
  g_autoptr(UpgConfigRender) spec = upg_step_get_config_render (step);
  g_autofree char *version = upg_version_to_string (upg_step_get_version (step));
  g_autoptr(UpgConfigFileRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) content = NULL;
  g_autofree char *new_sha256 = NULL, *old_short = NULL, *new_short = NULL, *real = NULL;
  FileState now = { 0 };
  gboolean ok = FALSE;

  g_return_val_if_fail (spec != NULL, FALSE);
  if (!resolve_target (ctx, step, spec, error) || (real = resolve_links (step, spec->target, error)) == NULL)
    return FALSE;
  content = render (ctx, step, spec, error);
  if (content == NULL)
    return FALSE;
  new_sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, content);
  if (!read_state (step, real, &now, error))
    return FALSE;

  record = upg_journal_find_config_file (ctx->journal, ctx->site_id, upg_step_get_component (step), version,
                                         upg_step_get_id (step), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      goto out;
    }
  if (record != NULL && now.exists && g_str_equal (now.sha256, new_sha256))
    {
      /* Renamed before a kill, not journaled: the target is the rendered
       * file, the previous one is the copy the row names. */
      upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                           _("%s: %s already has the rendered content (replaced before the interruption); "
                             "the previous file stays %s"),
                           upg_step_get_id (step), spec->target,
                           record->kept_path != NULL ? record->kept_path : _("absent"));
      g_free (record->new_sha256);
      record->new_sha256 = g_strdup (new_sha256);
      ok = upg_journal_set_config_file_status (ctx->journal, record, UPG_CONFIG_FILE_APPLIED, error);
      goto out;
    }
  if (record != NULL)
    upg_run_context_log (ctx, G_LOG_LEVEL_MESSAGE,
                         _("%s: replacing %s again; the previous file stays the one kept by execution %s"),
                         upg_step_get_id (step), spec->target, record->execution_id);
  else if ((record = keep_previous (ctx, step, spec, &now, new_sha256, version, error)) == NULL)
    goto out;
  g_free (record->new_sha256);
  record->new_sha256 = g_strdup (new_sha256);

  ctx->statements_sent++;
  upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
  if (!replace_file (ctx, step, real, content, now.exists ? now.mode : record->mode,
                     now.exists ? now.uid : record->uid, now.exists ? now.gid : record->gid, error)
      || !upg_journal_set_config_file_status (ctx->journal, record, UPG_CONFIG_FILE_APPLIED, error))
    goto out;

  old_short = short_sha (record->old_sha256);
  new_short = short_sha (new_sha256);
  upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: %s rendered from %s (%s, %zu bytes, SHA-256 %s); previous %s"),
                       upg_step_get_id (step), spec->target, spec->template,
                       upg_config_format_to_string (spec->format), g_bytes_get_size (content), new_short,
                       record->kept_path != NULL ? record->kept_path : _("absent"));
  g_free (ctx->step_result);
  if (record->old_sha256 != NULL)
    ctx->step_result = g_strdup_printf (_("%s rendered (%s, SHA-256 %s, previously %s)"), spec->target,
                                        upg_config_format_to_string (spec->format), new_short, old_short);
  else
    ctx->step_result = g_strdup_printf (_("%s rendered (%s, SHA-256 %s, a new file)"), spec->target,
                                        upg_config_format_to_string (spec->format), new_short);
  ok = TRUE;
out:
  file_state_clear (&now);
  return ok;
}

/* Replaces @real (@record's target, its links followed) by the kept
 * copy, once that copy's SHA-256 is the journaled one. */
static gboolean
put_back_kept (UpgRunContext       *ctx,
               UpgStep             *step,
               UpgConfigFileRecord *record,
               const char          *real,
               GError             **error)
{
  FileState kept = { 0 };
  gboolean ok = FALSE;

  if (!read_state (step, record->kept_path, &kept, error))
    goto out;
  if (!kept.exists || g_strcmp0 (kept.sha256, record->old_sha256) != 0)
    {
      fail (step, error, _("the kept copy '%s' of '%s' is missing or changed (SHA-256 %s, expected %s): "
                           "cannot put the previous file back"),
            record->kept_path, record->target, kept.sha256 != NULL ? kept.sha256 : "-", record->old_sha256);
      goto out;
    }
  ok = replace_file (ctx, step, real, kept.content, record->mode, record->uid, record->gid, error);
out:
  file_state_clear (&kept);
  return ok;
}

/*
 * upg_config_runner_restore:
 * @step: an upgrade step of the stage a rollback reverts
 *
 * Puts back the file a `config` @step replaced at the run's site (the
 * newest RUNNING or APPLIED replacement): the kept copy, checked against
 * its SHA-256, with its mode and owner; or removes the target if there
 * was none. Nothing to do for another kind of step or a step that
 * replaced nothing. Repeatable: a rollback killed in the middle puts the
 * same file back again.
 */
gboolean
upg_config_runner_restore (UpgRunContext *ctx,
                           UpgStep       *step,
                           GError       **error)
{
  g_autoptr(UpgConfigFileRecord) record = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *version = NULL, *real = NULL;
  gboolean ok;

  if (upg_step_get_kind (step) != UPG_STEP_KIND_CONFIG)
    return TRUE;
  version = upg_version_to_string (upg_step_get_version (step));
  record = upg_journal_find_config_file (ctx->journal, ctx->site_id, upg_step_get_component (step), version,
                                         upg_step_get_id (step), &local_error);
  if (record == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return local_error == NULL;
    }
  /* The link is followed again: what it names now is what the run
   * replaced (a link that still stands, as the run left it). */
  real = resolve_links (step, record->target, error);
  if (real == NULL)
    return FALSE;
  ctx->statements_sent++;
  upg_run_context_maybe_crash (ctx, UPG_CRASH_BEFORE_SEND);
  if (record->kept_path == NULL)
    {
      g_autofree char *dir = g_path_get_dirname (real);

      if (g_unlink (real) != 0 && errno != ENOENT)
        return fail_errno (step, error, _("remove"), real, errno);
      if (!fsync_folder (dir))
        return fail_errno (step, error, _("sync the folder"), dir, errno);
      upg_run_context_maybe_crash (ctx, UPG_CRASH_AFTER_COMMIT_BEFORE_JOURNAL);
    }
  else if (!put_back_kept (ctx, step, record, real, error))
    return FALSE;
  ok = upg_journal_set_config_file_status (ctx->journal, record, UPG_CONFIG_FILE_RESTORED, error);
  if (ok)
    upg_run_context_log (ctx, G_LOG_LEVEL_INFO, _("%s: %s put back as it was before execution %s (%s)"),
                         upg_step_get_id (step), record->target, record->execution_id,
                         record->kept_path != NULL ? record->kept_path : _("removed: it did not exist"));
  return ok;
}

/*
 * upg_config_file_restore:
 * @journal: the journal that knows the replacement
 * @record: a replacement whose previous file was kept
 *   (upg_journal_get_config_file())
 *
 * `upgradectl restore ID` of a kept configuration file: puts it back into
 * its target like a rollback does (SHA-256 checked, link followed, mode
 * and owner journaled), outside any execution; journaled as a restore of
 * @record's id (upgrade_restore). The replacement's own row is left as
 * it is: a later rollback or run still knows which file came first.
 */
gboolean
upg_config_file_restore (UpgJournal           *journal,
                         UpgConfigFileRecord  *record,
                         GError              **error)
{
  g_autofree char *who = NULL, *restore_id = NULL, *real = NULL;
  g_autoptr(GError) failure = NULL;
  gboolean ok;

  g_return_val_if_fail (record->kept_path != NULL, FALSE);
  who = g_strdup_printf ("%s@%s", g_get_user_name (), g_get_host_name ());
  restore_id = upg_journal_begin_restore (journal, record->id, NULL, who, error);
  if (restore_id == NULL)
    return FALSE;
  ok = (real = resolve_links (NULL, record->target, &failure)) != NULL &&
       put_back_kept (NULL, NULL, record, real, &failure);
  if (!upg_journal_finish_restore (journal, restore_id, ok, ok ? NULL : failure->message, error))
    return FALSE;
  if (!ok)
    g_propagate_prefixed_error (error, g_steal_pointer (&failure), _("restore of '%s' failed: "), record->id);
  return ok;
}
