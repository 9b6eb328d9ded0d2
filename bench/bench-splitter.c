/* bench-splitter.c - how fast upg_sql_split() splits large scripts
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Usage: bench-splitter [STATEMENTS]   (default 100000)
 *
 * Builds one script per dialect with comments, quoted text, multi-line
 * statements and a routine body every 100 statements, then reports the
 * best of 5 runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <upgrade.h>

static const char *const routine[] = {
  [UPG_DIALECT_MYSQL] = "DELIMITER //\nCREATE PROCEDURE p () BEGIN\n  SELECT 'a;b';\n  "
                        "SELECT 2;\nEND //\nDELIMITER ;\n",
  [UPG_DIALECT_POSTGRESQL] = "CREATE FUNCTION f () RETURNS int AS $body$\nBEGIN\n  "
                             "RETURN 1; -- ;\nEND;\n$body$ LANGUAGE plpgsql;\n",
  [UPG_DIALECT_SQLITE] = "CREATE TRIGGER t AFTER INSERT ON t BEGIN\n  "
                         "INSERT INTO log VALUES ('x;');\nEND;\n",
};

static GString *
build_script (UpgDialect dialect,
              guint      statements)
{
  GString *script = g_string_new (NULL);

  for (guint i = 0; i < statements; i++)
    {
      if (i % 100 == 99)
        {
          g_string_append (script, routine[dialect]);
          continue;
        }
      g_string_append_printf (script,
                              "-- statement %u\n"
                              "INSERT INTO orders (id, note, label)\n"
                              "  VALUES (%u, 'note; with \"quotes\" and 中文', /* c; */ 'x');\n",
                              i, i);
    }
  return script;
}

int
main (int   argc,
      char *argv[])
{
  const UpgDialect dialects[] = { UPG_DIALECT_MYSQL, UPG_DIALECT_POSTGRESQL, UPG_DIALECT_SQLITE };
  const char *const names[] = { "mysql", "postgresql", "sqlite" };
  guint statements = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 100000;

  if (statements == 0)
    {
      fprintf (stderr, "usage: %s [STATEMENTS]\n", argv[0]);
      return 2;
    }
  for (guint d = 0; d < G_N_ELEMENTS (dialects); d++)
    {
      g_autoptr(GString) script = build_script (dialects[d], statements);
      gint64 best = G_MAXINT64;
      guint count = 0;

      for (guint run = 0; run < 5; run++)
        {
          g_autoptr(GError) error = NULL;
          gint64 start = g_get_monotonic_time ();
          g_autoptr(GPtrArray) result = upg_sql_split (script->str, script->len, "bench.sql",
                                                       dialects[d], &error);
          gint64 elapsed = g_get_monotonic_time () - start;

          if (result == NULL)
            {
              fprintf (stderr, "%s: %s\n", names[d], error->message);
              return 1;
            }
          count = result->len;
          best = MIN (best, elapsed);
        }
      printf ("%-10s %7u statements %8.2f MiB  %8.2f ms  %6.0f MiB/s  %9.0f statements/s\n",
              names[d], count, script->len / 1048576.0, best / 1000.0,
              script->len / 1048576.0 / (best / 1e6), count / (best / 1e6));
    }
  return 0;
}
