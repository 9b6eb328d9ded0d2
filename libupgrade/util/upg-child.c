/* upg-child.c - child processes that die with their parent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every program the engine starts (the plugin host, the database's
 * client tools, command steps) works for the run that started it. When
 * that process is killed (kill -9, the OOM killer, a crash), nothing is
 * left to read the child's output, time it out or cancel it: the child
 * would live on under init, still connected to the databases and still
 * holding whatever it inherited. The kernel ends it instead
 * (PR_SET_PDEATHSIG), the way the run itself ended, with SIGKILL.
 *
 * The signal comes when the *thread* that started the child exits
 * (prctl(2)), not only the process: each caller waits for its child on
 * the thread that started it (the runners synchronously, plugin runs on
 * that thread's main context), so the child never outlives that thread
 * in a run that is not killed.
 */
#include "config.h"

#include <signal.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "upg-child-private.h"

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
die_with_parent (gpointer user_data)
{
#ifdef __linux__
  pid_t parent = (pid_t) GPOINTER_TO_INT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* The parent died before the prctl(): no signal will come. */
  if (getppid () != parent)
    raise (SIGKILL);
#endif
}

/*
 * upg_child_launcher_new:
 * @flags: the launcher's #GSubprocessFlags; stdout and stderr should be
 *   piped, silenced or redirected (the caller's own are its user's)
 *
 * A #GSubprocessLauncher whose children are killed (SIGKILL) when the
 * thread that spawns them exits, with the process or alone.
 *
 * Returns: (transfer full): a new launcher
 */
GSubprocessLauncher *
upg_child_launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, GINT_TO_POINTER ((int) getpid ()), NULL);
  return launcher;
}
