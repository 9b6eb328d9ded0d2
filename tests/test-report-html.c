/* test-report-html.c - the HTML reports as a browser renders them
 *
 * Renders the pages in headless Chromium: the DOM it builds must hold the
 * title, one row per step and one timeline lane per stage with its bars,
 * and a screenshot must show a drawn page. Chromium missing is a failure,
 * not a skip (scripts/install-deps.sh installs it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <glib/gstdio.h>
#include <upgrade.h>

#define WIDTH 1000
#define HEIGHT 900

typedef struct
{
  char *dir;
  char *profile;
} Browser;

static void
browser_setup (Browser *b, gconstpointer data)
{
  b->dir = g_dir_make_tmp ("upg-html-XXXXXX", NULL);
  b->profile = g_build_filename (b->dir, "profile", NULL);
  g_assert_cmpint (g_mkdir (b->profile, 0700), ==, 0);
}

static void
browser_teardown (Browser *b, gconstpointer data)
{
  const char *argv[] = { "rm", "-rf", b->dir, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
  g_free (b->profile);
  g_free (b->dir);
}

/* Runs chromium headless on @url with @extra; returns its stdout. */
static char *
chromium (Browser *b, const char *extra, const char *url)
{
  g_autofree char *program = g_find_program_in_path ("chromium");
  g_autofree char *profile_arg = g_strconcat ("--user-data-dir=", b->profile, NULL);
  g_autofree char *size_arg = g_strdup_printf ("--window-size=%d,%d", WIDTH, HEIGHT);
  const char *argv[] = { program, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                         profile_arg, size_arg, extra, url, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (program == NULL)
    g_error ("chromium is not installed: run scripts/install-deps.sh (the HTML report test needs it)");
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("chromium %s failed: %s\n%s", extra, error->message, err);
  return out;
}

static char *
write_page (Browser *b, const char *name, const char *html)
{
  g_autofree char *path = g_build_filename (b->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, html, -1, NULL));
  return g_filename_to_uri (path, NULL, NULL);
}

static JsonNode *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "assess", name, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  return node;
}

static guint
count (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* The part of @dom inside the lane of @stage. */
static char *
lane (const char *dom, const char *stage)
{
  g_autofree char *open = g_strdup_printf ("<g class=\"stage-lane\" data-stage=\"%s\">", stage);
  const char *start = strstr (dom, open);
  const char *end;

  g_assert_nonnull (start);
  end = strstr (start, "</g>");
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

static guint32
png_u32 (const guchar *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Takes a screenshot of @url and returns its size in bytes after checking
 * it is a PNG of the window's size. */
static gsize
screenshot (Browser *b, const char *url, const char *name)
{
  g_autofree char *path = g_build_filename (b->dir, name, NULL);
  g_autofree char *arg = g_strconcat ("--screenshot=", path, NULL);
  G_GNUC_UNUSED g_autofree char *out = chromium (b, arg, url);  /* only freed */
  g_autofree guchar *png = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, (char **) &png, &length, NULL));
  g_assert_cmpuint (length, >, 24);
  g_assert_cmpmem (png, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (png + 12, 4, "IHDR", 4);
  g_assert_cmpuint (png_u32 (png + 16), ==, WIDTH);
  g_assert_cmpuint (png_u32 (png + 20), ==, HEIGHT);
  return length;
}

static void
test_execution_page (Browser *b, gconstpointer data)
{
  g_autoptr(JsonNode) execution = load_fixture ("execution-failed.json");
  g_autoptr(JsonNode) statements = load_fixture ("statements.json");
  g_autofree char *html = upg_report_render_execution (json_node_get_object (execution),
                                                       json_node_get_array (statements),
                                                       UPG_REPORT_FORMAT_HTML);
  g_autofree char *url = write_page (b, "execution.html", html);
  g_autofree char *blank = write_page (b, "blank.html", "<!DOCTYPE html><html><body></body></html>");
  g_autofree char *dom = chromium (b, "--dump-dom", url);
  g_autofree char *in_stop = lane (dom, "in_stop");
  gsize page_size, blank_size;

  g_assert_nonnull (strstr (dom, "<title>Upgrade execution 3f9c2a7e-5b1d-4c8e-9a6f-0d2b7e4c1a90</title>"));
  g_assert_cmpuint (count (dom, "<tr class=\"step "), ==, 4);
  g_assert_nonnull (strstr (dom, "<tr class=\"step status-success\" data-step=\"alter_orders_table.sql\">"));
  g_assert_nonnull (strstr (dom, "<tr class=\"step status-failed\" data-step=\"sql_002\">"));
  g_assert_nonnull (strstr (dom, "cleanup &lt;tmp&gt; &amp; co"));
  /* The timeline: one lane for the stage, one bar per step. */
  g_assert_cmpuint (count (dom, "class=\"stage-lane\""), ==, 1);
  g_assert_cmpuint (count (in_stop, "<rect class=\"bar "), ==, 4);
  g_assert_nonnull (strstr (in_stop, "<rect class=\"bar status-failed\" data-step=\"sql_002\""));
  g_assert_nonnull (strstr (dom, "UPDATE orders SET user_idx = 0 WHERE user_id IS NULL"));

  page_size = screenshot (b, url, "execution.png");
  blank_size = screenshot (b, blank, "blank.png");
  /* A drawn page compresses far worse than an empty one. */
  g_test_message ("execution screenshot %" G_GSIZE_FORMAT " bytes, blank %" G_GSIZE_FORMAT,
                  page_size, blank_size);
  g_assert_cmpuint (page_size, >, 4 * blank_size);
}

static void
test_assessment_page (Browser *b, gconstpointer data)
{
  static const char * const stages[] = { "pre_stop", "in_stop", "post_start", "post_upgrade" };
  static const guint bars[] = { 3, 3, 2, 2 };
  g_autoptr(JsonNode) assessment = load_fixture ("assessment.json");
  g_autofree char *html = upg_report_render_assessment (json_node_get_object (assessment),
                                                        UPG_REPORT_FORMAT_HTML);
  g_autofree char *url = write_page (b, "assessment.html", html);
  g_autofree char *dom = chromium (b, "--dump-dom", url);

  g_assert_nonnull (strstr (dom, "<title>Upgrade assessment 3.17.4 → 3.17.5</title>"));
  g_assert_cmpuint (count (dom, "<tr class=\"item "), ==, 3);
  g_assert_nonnull (strstr (dom, "<tr class=\"item verdict-skipped\" data-id=\"old_rule\">"));
  g_assert_cmpuint (count (dom, "class=\"stage-lane\""), ==, G_N_ELEMENTS (stages));
  for (guint i = 0; i < G_N_ELEMENTS (stages); i++)
    {
      g_autofree char *part = lane (dom, stages[i]);

      /* The stage's own bar plus one per step. */
      g_assert_cmpuint (count (part, "<rect class=\"bar "), ==, bars[i]);
      g_assert_cmpuint (count (part, "stage-total"), ==, 1);
    }
  g_assert_nonnull (strstr (dom, "<line class=\"marker\""));
  g_assert_cmpuint (screenshot (b, url, "assessment.png"), >, 20000);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/report-html/execution", Browser, NULL, browser_setup, test_execution_page, browser_teardown);
  g_test_add ("/report-html/assessment", Browser, NULL, browser_setup, test_assessment_page, browser_teardown);

  return g_test_run ();
}
