/* upg-version.c - product versions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "upg-spi-i18n-private.h"

#include <string.h>

#include "upg-error.h"
#include "upg-version.h"

struct _UpgVersion
{
  guint major;
  guint minor;
  guint micro;
  guint patch;   /* -Pn, 0 for a baseline */
  guint test;    /* -Tn, 0 when absent */
};

/* Parts of a textual version are bounded so that arithmetic on them never
 * overflows and a typo such as 3.170000000000.1 is rejected, not wrapped. */
#define UPG_VERSION_PART_MAX 99999

/* Numeric codes (SPEC §3): a*100000 + b*1000 + c*100 + patch. */
#define CODE_MAJOR 100000
#define CODE_MINOR 1000
#define CODE_MICRO 100

G_DEFINE_BOXED_TYPE (UpgVersion, upg_version, upg_version_copy, upg_version_free)

/**
 * upg_version_new:
 * @major: the major number
 * @minor: the minor number
 * @micro: the micro number
 * @patch: the patch number (`-Pn`), 0 for a baseline
 * @test: the test build number (`-Tn`), 0 for none
 *
 * Creates a version from its parts.
 *
 * Returns: (transfer full): a new version
 */
UpgVersion *
upg_version_new (guint major,
                 guint minor,
                 guint micro,
                 guint patch,
                 guint test)
{
  UpgVersion *self = g_new0 (UpgVersion, 1);

  self->major = major;
  self->minor = minor;
  self->micro = micro;
  self->patch = patch;
  self->test = test;

  return self;
}

/**
 * upg_version_copy:
 * @version: a version
 *
 * Copies a version.
 *
 * Returns: (transfer full): a copy of @version
 */
UpgVersion *
upg_version_copy (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, NULL);

  return g_memdup2 (version, sizeof *version);
}

/**
 * upg_version_free:
 * @version: (nullable): a version
 *
 * Frees @version.
 */
void
upg_version_free (UpgVersion *version)
{
  g_free (version);
}

static gboolean
parse_number (const char **cursor,
              guint        max,
              guint       *out)
{
  const char *p = *cursor;
  guint64 value = 0;

  if (!g_ascii_isdigit (*p))
    return FALSE;

  while (g_ascii_isdigit (*p))
    {
      value = value * 10 + (guint64) (*p - '0');
      if (value > max)
        return FALSE;
      p++;
    }

  *cursor = p;
  *out = (guint) value;
  return TRUE;
}

static gboolean
parse_code (const char  *digits,
            UpgVersion  *out,
            const char **why)
{
  guint64 code;
  const char *end = digits;

  /* The smallest code with a non-zero major is 100000 (1.0.0). */
  if (strlen (digits) < 6 || strlen (digits) > 9)
    {
      *why = N_("a numeric code has 6 to 9 digits (317500 is 3.17.5)");
      return FALSE;
    }

  code = g_ascii_strtoull (digits, (char **) &end, 10);
  if (*end != '\0')
    {
      *why = N_("a numeric code has digits only");
      return FALSE;
    }

  out->major = (guint) (code / CODE_MAJOR);
  out->minor = (guint) ((code % CODE_MAJOR) / CODE_MINOR);
  out->micro = (guint) ((code % CODE_MINOR) / CODE_MICRO);
  out->patch = (guint) (code % CODE_MICRO);
  out->test = 0;

  return TRUE;
}

static gboolean
parse_suffix (const char **cursor,
              char         letter,
              guint       *out)
{
  const char *p = *cursor;

  if (p[0] != '-' || g_ascii_toupper (p[1]) != letter)
    return TRUE;

  p += 2;
  if (!parse_number (&p, 99, out) || *out == 0)
    return FALSE;

  *cursor = p;
  return TRUE;
}

static gboolean
parse_dotted (const char  *text,
              UpgVersion  *out,
              const char **why)
{
  const char *p = text;

  if (!parse_number (&p, UPG_VERSION_PART_MAX, &out->major) || *p++ != '.' ||
      !parse_number (&p, UPG_VERSION_PART_MAX, &out->minor) || *p++ != '.' ||
      !parse_number (&p, UPG_VERSION_PART_MAX, &out->micro))
    {
      *why = N_("expected MAJOR.MINOR.MICRO (e.g. 3.17.5), an optional -Pn and -Tn, "
                "or a numeric code (e.g. 317501)");
      return FALSE;
    }

  if (!parse_suffix (&p, 'P', &out->patch))
    {
      *why = N_("a patch suffix is -P followed by a number from 1 to 99");
      return FALSE;
    }

  if (!parse_suffix (&p, 'T', &out->test))
    {
      *why = N_("a test suffix is -T followed by a number from 1 to 99");
      return FALSE;
    }

  if (*p != '\0')
    {
      *why = N_("unexpected text after the version");
      return FALSE;
    }

  return TRUE;
}

/**
 * upg_version_parse:
 * @text: a version text such as `3.17.5`, `V3.17.5-P1`, `2.16.7-P1-T1` or `317501`
 * @error: return location for a #GError
 *
 * Parses a version in any of the forms of SPEC §3. Leading and trailing
 * white space is ignored, as is a leading `V` or `v`.
 *
 * Returns: (transfer full): the version, or %NULL with @error set to
 *   %UPG_ERROR_INVALID_VERSION naming @text
 */
UpgVersion *
upg_version_parse (const char  *text,
                   GError     **error)
{
  g_autoptr(UpgVersion) version = upg_version_new (0, 0, 0, 0, 0);
  g_autofree char *stripped = NULL;
  const char *body;
  const char *why = NULL;
  gboolean ok;

  if (text == NULL)
    {
      g_set_error_literal (error, UPG_ERROR, UPG_ERROR_INVALID_VERSION,
                           _("version is missing: expected MAJOR.MINOR.MICRO (e.g. 3.17.5)"));
      return NULL;
    }

  stripped = g_strstrip (g_strdup (text));
  body = stripped;
  if (*body == 'V' || *body == 'v')
    body++;

  if (*body != '\0' && strspn (body, "0123456789") == strlen (body))
    ok = parse_code (body, version, &why);
  else
    ok = parse_dotted (body, version, &why);

  if (!ok)
    {
      g_set_error (error, UPG_ERROR, UPG_ERROR_INVALID_VERSION,
                   _("version '%s' is not valid: %s"), text, _(why));
      return NULL;
    }

  return g_steal_pointer (&version);
}

/**
 * upg_version_get_major:
 * @version: a version
 *
 * Gets the major number.
 *
 * Returns: the major number
 */
guint
upg_version_get_major (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, 0);
  return version->major;
}

/**
 * upg_version_get_minor:
 * @version: a version
 *
 * Gets the minor number.
 *
 * Returns: the minor number
 */
guint
upg_version_get_minor (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, 0);
  return version->minor;
}

/**
 * upg_version_get_micro:
 * @version: a version
 *
 * Gets the micro number.
 *
 * Returns: the micro number
 */
guint
upg_version_get_micro (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, 0);
  return version->micro;
}

/**
 * upg_version_get_patch:
 * @version: a version
 *
 * Gets the patch number (`-Pn`).
 *
 * Returns: the patch number (`-Pn`), 0 for a baseline
 */
guint
upg_version_get_patch (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, 0);
  return version->patch;
}

/**
 * upg_version_get_test:
 * @version: a version
 *
 * Gets the test build number (`-Tn`).
 *
 * Returns: the test build number (`-Tn`), 0 if there is none
 */
guint
upg_version_get_test (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, 0);
  return version->test;
}

/**
 * upg_version_is_patch:
 * @version: a version
 *
 * Tells whether a version is a patch of a baseline.
 *
 * Returns: %TRUE if @version is a patch (or a test build) of a baseline
 */
gboolean
upg_version_is_patch (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, FALSE);
  return version->patch != 0 || version->test != 0;
}

/**
 * upg_version_get_baseline:
 * @version: a version
 *
 * Gets the baseline `MAJOR.MINOR.MICRO` of @version.
 *
 * Returns: (transfer full): the baseline `MAJOR.MINOR.MICRO` of @version
 */
UpgVersion *
upg_version_get_baseline (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, NULL);
  return upg_version_new (version->major, version->minor, version->micro, 0, 0);
}

#define CMP(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)

/**
 * upg_version_compare:
 * @a: a version
 * @b: another version
 *
 * Orders two versions.
 *
 * Returns: a negative number if @a < @b, 0 if they are equal, a positive
 *   number if @a > @b
 */
int
upg_version_compare (const UpgVersion *a,
                     const UpgVersion *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, 0);

  if (a->major != b->major)
    return CMP (a->major, b->major);
  if (a->minor != b->minor)
    return CMP (a->minor, b->minor);
  if (a->micro != b->micro)
    return CMP (a->micro, b->micro);
  if (a->patch != b->patch)
    return CMP (a->patch, b->patch);
  return CMP (a->test, b->test);
}

/**
 * upg_version_equal:
 * @a: a version
 * @b: another version
 *
 * Compares two versions for equality, for #GHashTable.
 *
 * Returns: %TRUE if @a and @b denote the same version
 */
gboolean
upg_version_equal (const UpgVersion *a,
                   const UpgVersion *b)
{
  return upg_version_compare (a, b) == 0;
}

/**
 * upg_version_hash:
 * @version: a version
 *
 * Hashes a version, for #GHashTable.
 *
 * Returns: a hash value for @version, for #GHashTable
 */
guint
upg_version_hash (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, 0);

  return (version->major * 1000003u) ^ (version->minor * 10007u) ^
         (version->micro * 101u) ^ (version->patch << 8) ^ version->test;
}

/**
 * upg_version_in_range:
 * @version: a version
 * @min: (nullable): the lowest accepted version, %NULL for no bound
 * @max: (nullable): the highest accepted version, %NULL for no bound
 *
 * Tells whether a version lies in a closed range.
 *
 * Returns: %TRUE if `min ≤ version ≤ max`
 */
gboolean
upg_version_in_range (const UpgVersion *version,
                      const UpgVersion *min,
                      const UpgVersion *max)
{
  g_return_val_if_fail (version != NULL, FALSE);

  if (min != NULL && upg_version_compare (version, min) < 0)
    return FALSE;
  if (max != NULL && upg_version_compare (version, max) > 0)
    return FALSE;
  return TRUE;
}

/**
 * upg_version_to_string:
 * @version: a version
 *
 * Formats @version canonically, without a `V` prefix: `3.17.5`,
 * `3.17.5-P1`, `2.16.7-P1-T1`.
 *
 * Returns: (transfer full): the text
 */
char *
upg_version_to_string (const UpgVersion *version)
{
  GString *text;

  g_return_val_if_fail (version != NULL, NULL);

  text = g_string_new (NULL);
  g_string_printf (text, "%u.%u.%u", version->major, version->minor, version->micro);
  if (version->patch != 0)
    g_string_append_printf (text, "-P%u", version->patch);
  if (version->test != 0)
    g_string_append_printf (text, "-T%u", version->test);

  return g_string_free (text, FALSE);
}

/**
 * upg_version_to_code:
 * @version: a version
 *
 * Computes the numeric code of @version (`3.17.5-P1` → `317501`).
 *
 * Returns: the code, or -1 if a part does not fit the code form
 *   (minor > 99, micro > 9, a test build)
 */
gint64
upg_version_to_code (const UpgVersion *version)
{
  g_return_val_if_fail (version != NULL, -1);

  if (version->minor > 99 || version->micro > 9 || version->patch > 99 ||
      version->test != 0 || version->major > 9999)
    return -1;

  return (gint64) version->major * CODE_MAJOR + version->minor * CODE_MINOR +
         version->micro * CODE_MICRO + version->patch;
}
