/* upg-units.c - "100GB", "50MB/s", "2cores"
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Sizes use binary multiples (1 KB = 1024 B, 1 GB = 1024 MB): volumes and
 * rates share the same unit, so 100GB at 50MB/s is exactly 2048 s whichever
 * convention is picked; binary is what `du`/`df -h` show operators.
 */
#include "config.h"

#include <math.h>

#include "upg-units-private.h"

static const struct {
  const char *suffix;
  guint       shift;
} size_units[] = {
  { "", 0 }, { "B", 0 },
  { "K", 10 }, { "KB", 10 }, { "KIB", 10 },
  { "M", 20 }, { "MB", 20 }, { "MIB", 20 },
  { "G", 30 }, { "GB", 30 }, { "GIB", 30 },
  { "T", 40 }, { "TB", 40 }, { "TIB", 40 },
};

/* Parses "<number><unit>" (number may be fractional) into bytes. */
static gboolean
parse_scaled (const char *text,
              gsize       length,
              double     *bytes)
{
  g_autofree char *copy = g_strndup (text, length);
  g_autofree char *unit = NULL;
  char *end = NULL;
  double value;

  g_strstrip (copy);
  if (copy[0] == '\0' || !(g_ascii_isdigit (copy[0]) || copy[0] == '.'))
    return FALSE;
  value = g_ascii_strtod (copy, &end);
  if (end == copy || !isfinite (value) || value < 0)
    return FALSE;
  unit = g_ascii_strup (g_strstrip (end), -1);
  for (guint i = 0; i < G_N_ELEMENTS (size_units); i++)
    if (g_str_equal (unit, size_units[i].suffix))
      {
        *bytes = ldexp (value, (int) size_units[i].shift);
        return TRUE;
      }
  return FALSE;
}

/**
 * upg_units_parse_size:
 * @text: e.g. "100GB", "512MB", "2 GiB", "1024"
 * @bytes: (out): the size in bytes
 *
 * Returns: %TRUE if @text is a size that fits in 64 bits
 */
gboolean
upg_units_parse_size (const char *text,
                      guint64    *bytes)
{
  double value;

  if (text == NULL || !parse_scaled (text, strlen (text), &value))
    return FALSE;
  if (value >= 18446744073709551616.0)
    return FALSE;
  *bytes = (guint64) value;
  return TRUE;
}

/**
 * upg_units_parse_rate:
 * @text: e.g. "50MB/s"
 * @bytes_per_second: (out): the rate
 *
 * Returns: %TRUE if @text is a size per second above zero
 */
gboolean
upg_units_parse_rate (const char *text,
                      double     *bytes_per_second)
{
  const char *slash;
  g_autofree char *per = NULL;
  double value;

  if (text == NULL || (slash = strchr (text, '/')) == NULL)
    return FALSE;
  per = g_strstrip (g_ascii_strdown (slash + 1, -1));
  if (!g_str_equal (per, "s") && !g_str_equal (per, "sec"))
    return FALSE;
  if (!parse_scaled (text, slash - text, &value) || value <= 0)
    return FALSE;
  *bytes_per_second = value;
  return TRUE;
}

/**
 * upg_units_parse_cpus:
 * @text: e.g. "2cores", "4 cores", "1core", "8"
 * @cpus: (out): the number of cores
 *
 * Returns: %TRUE if @text is a whole number of cores
 */
gboolean
upg_units_parse_cpus (const char *text,
                      guint      *cpus)
{
  g_autofree char *copy = NULL;
  char *end = NULL;
  guint64 value;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_ascii_strdown (text, -1));
  if (!g_ascii_isdigit (copy[0]))
    return FALSE;
  value = g_ascii_strtoull (copy, &end, 10);
  g_strstrip (end);
  if (value > G_MAXUINT)
    return FALSE;
  if (*end != '\0' && !g_str_equal (end, "core") && !g_str_equal (end, "cores")
      && !g_str_equal (end, "cpu") && !g_str_equal (end, "cpus"))
    return FALSE;
  *cpus = (guint) value;
  return TRUE;
}
