/* Tests of the dataset reader: EPIC-100 annotation files with the real
 * header and rows in the public annotation format, class files with their
 * extra columns, media lookup, malformed files each refused with file, line
 * and reason, per-frame detections, and the TSN and fixed-step samplers. */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "dataset.h"
#include "dataset_csv.h"
#include "fixture.h"

#define HEADER "narration_id,participant_id,video_id,narration_timestamp," \
  "start_timestamp,stop_timestamp,start_frame,stop_frame,narration,verb," \
  "verb_class,noun,noun_class,all_nouns,all_noun_classes\n"

/* rows from EPIC_100 annotation files; line numbers in comments */
static const char train_csv[] = HEADER
    /* 2 */
    "P03_02_0,P03,P03_02,00:00:04.310,00:00:03.29,00:00:04.26,197,255,"
    "put lunch box,put,1,box:lunch,23,['box:lunch'],[23]\n"
    /* 3 */
    "P03_02_2,P03,P03_02,00:00:06.830,00:00:06.36,00:00:07.18,381,430,"
    "pick up lunch box,pick-up,0,box:lunch,23,['box:lunch'],[23]\n"
    /* 4 */
    "P03_02_15,P03,P03_02,00:00:24.900,00:00:23.79,00:00:24.60,1427,1476,"
    "put rubbish in the bin,put-in,5,rubbish,54,\"['rubbish', 'bin']\","
    "\"[54, 36]\"\n"
    /* 5 */
    "P03_02_20,P03,P03_02,00:00:41.950,00:00:41.38,00:00:44.66,2482,2679,"
    "put kitchen towel in bin,put-in,5,towel:kitchen,93,"
    "\"['towel:kitchen', 'bin']\",\"[93, 36]\"\n"
    /* 6 */
    "P01_01_0,P01,P01_01,00:00:01.089,00:00:00.14,00:00:03.37,8,202,"
    "open door,open,3,door,3,['door'],[3]\n"
    /* 7 */
    "P01_01_1,P01,P01_01,00:00:02.629,00:00:02.60,00:00:05.35,187,321,"
    "turn on light,turn-on,6,light,114,['light'],[114]\n"
    /* 8 */
    "P01_11_0,P01,P01_11,00:00:00.560,00:00:00.00,00:00:01.89,1,113,"
    "take plate,take,0,plate,2,['plate'],[2]\n"
    /* 9: quotes, commas and an apostrophe inside the quoted fields */
    "P01_11_1,P01,P01_11,00:01:02.530,00:01:01.69,00:01:02.63,3701,3757,"
    "\"wash plate, then \"\"rinse\"\" it\",wash,2,plate,2,"
    "\"['plate', \"\"chef's knife\"\"]\",\"[2, 4]\"\n";

/* the test split has no labels */
static const char test_csv[] = HEADER
    "P01_101_0,P01,P01_101,00:00:02.851,00:00:02.86,00:00:03.87,143,193,"
    ",,,,,,\n"
    "P01_101_1,P01,P01_101,00:00:05.102,00:00:04.97,00:00:05.75,248,287,"
    ",,,,,,\n";

/* EPIC_100_test_timestamps.csv: uid first, no label columns */
static const char test_timestamps_csv[] =
    "uid,narration_id,participant_id,video_id,narration_timestamp,"
    "start_timestamp,stop_timestamp,start_frame,stop_frame\n"
    "1924,P01_101_0,P01,P01_101,00:00:02.851,00:00:02.86,00:00:03.87,143,193\n"
    "1925,P01_101_1,P01,P01_101,00:00:05.102,00:00:04.97,00:00:05.75,248,287\n";

/* the real file's first ten classes, with shortened instance lists */
static const char verb_classes_csv[] = "id,key,instances,category\n"
    "0,take,\"['collect-from', 'get', 'grab', 'pick-up', 'take']\",retrieve\n"
    "1,put,\"['place', 'put', 'put-down', 'put-on']\",leave\n"
    "2,wash,\"['clean', 'rinse', 'wash', 'wipe']\",clean\n"
    "3,open,\"['open', 'open-up']\",access\n"
    "4,close,\"['close', 'shut']\",block\n"
    "5,insert,\"['place-in', 'put-in', 'put-into']\",leave\n"
    "6,turn-on,\"['start', 'switch-on', 'turn-on']\",access\n"
    "7,cut,\"['chop', 'cut', 'slice']\",split\n"
    "8,turn-off,\"['switch-off', 'turn-off']\",block\n"
    "9,pour,['pour'],merge\n";

#define N_NOUNS 300

/* id k on line k + 2 */
static char *
noun_classes_csv (void)
{
  GString *s = g_string_new ("id,key,instances,category\n");

  for (int i = 0; i < N_NOUNS; i++)
    g_string_append_printf (s, "%d,noun%d,\"['noun%d', 'other%d']\",cat%d\n",
        i, i, i, i, i % 7);
  return g_string_free (s, FALSE);
}

/* ---------------------------------------------------------------------- */
/* a dataset folder                                                       */

static void
write_file (const char *dir, const char *rel, const char *text, gssize len)
{
  char *path = g_build_filename (dir, rel, NULL);
  char *parent = g_path_get_dirname (path);
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, len, &error));
  g_assert_no_error (error);
  g_free (parent);
  g_free (path);
}


/* Annotations as above, P03_02 as a video and a frame folder, P01_01 as a
 * frame folder only, P01_11 as an upper-case .MP4, P01_101 as .webm. */
static char *
make_dataset (void)
{
  char *dir = fixture_tmpdir ("ego-dataset-XXXXXX");
  char *nouns = noun_classes_csv ();

  g_assert_nonnull (dir);
  write_file (dir, "annotations/train.csv", train_csv, -1);
  write_file (dir, "annotations/test.csv", test_csv, -1);
  write_file (dir, "annotations/test_timestamps.csv", test_timestamps_csv, -1);
  write_file (dir, "annotations/verb_classes.csv", verb_classes_csv, -1);
  write_file (dir, "annotations/noun_classes.csv", nouns, -1);
  write_file (dir, "videos/P03_02.mp4", "", 0);
  write_file (dir, "videos/P01_11.MP4", "", 0);
  write_file (dir, "videos/P01_101.webm", "", 0);
  write_file (dir, "videos/notes.txt", "", 0);
  write_file (dir, "frames/P03/P03_02/frame_0000000001.jpg", "", 0);
  write_file (dir, "frames/P01/P01_01/frame_0000000001.jpg", "", 0);
  g_free (nouns);
  return dir;
}

/* ---------------------------------------------------------------------- */
/* valid datasets                                                         */

static void
check_train_values (EgoDataset * ds)
{
  const EgoClip *c;

  g_assert_cmpint (ego_dataset_n_clips (ds), ==, 8);
  g_assert_cmpint (ego_dataset_n_verbs (ds), ==, 10);
  g_assert_cmpint (ego_dataset_n_nouns (ds), ==, N_NOUNS);
  g_assert_cmpstr (ego_dataset_verbs (ds)[6], ==, "turn-on");
  g_assert_null (ego_dataset_verbs (ds)[10]);
  g_assert_cmpstr (ego_dataset_nouns (ds)[299], ==, "noun299");

  c = ego_dataset_clip (ds, 0);
  g_assert_cmpstr (c->narration_id, ==, "P03_02_0");
  g_assert_cmpstr (c->participant_id, ==, "P03");
  g_assert_cmpstr (c->video_id, ==, "P03_02");
  g_assert_cmpint (c->line, ==, 2);
  g_assert_cmpint (c->start_frame, ==, 197);
  g_assert_cmpint (c->stop_frame, ==, 255);
  g_assert_cmpfloat_with_epsilon (c->start_time, 3.29, 1e-9);
  g_assert_cmpfloat_with_epsilon (c->stop_time, 4.26, 1e-9);
  g_assert_cmpstr (c->narration, ==, "put lunch box");
  g_assert_cmpstr (c->verb, ==, "put");
  g_assert_cmpint (c->verb_class, ==, 1);
  g_assert_cmpstr (c->noun, ==, "box:lunch");
  g_assert_cmpint (c->noun_class, ==, 23);
  g_assert_cmpint (c->n_all_noun_classes, ==, 1);
  g_assert_cmpint (c->all_noun_classes[0], ==, 23);

  /* the narrated verb need not be its class's key */
  c = ego_dataset_clip (ds, 1);
  g_assert_cmpstr (c->verb, ==, "pick-up");
  g_assert_cmpint (c->verb_class, ==, 0);

  c = ego_dataset_clip (ds, 2);
  g_assert_cmpint (c->n_all_noun_classes, ==, 2);
  g_assert_cmpint (c->all_noun_classes[0], ==, 54);
  g_assert_cmpint (c->all_noun_classes[1], ==, 36);

  c = ego_dataset_clip (ds, 7);
  g_assert_cmpstr (c->narration, ==, "wash plate, then \"rinse\" it");
  g_assert_cmpint (c->line, ==, 9);
  g_assert_cmpfloat_with_epsilon (c->start_time, 61.69, 1e-9);
  g_assert_cmpint (c->n_all_noun_classes, ==, 2);
  g_assert_cmpint (c->all_noun_classes[1], ==, 4);
  g_assert_null (ego_dataset_clip (ds, 8));
  g_assert_null (ego_dataset_clip (ds, -1));

  g_assert_cmpint (ego_dataset_find_clip (ds, "P01_01_1"), ==, 5);
  g_assert_cmpint (ego_dataset_find_clip (ds, "P03_02_0"), ==, 0);
  g_assert_cmpint (ego_dataset_find_clip (ds, "P99_01_0"), ==, -1);
}

/* The real header and rows parse into the right values, and each video is
 * found as a file (any case of extension) or a frame folder. */
static void
test_open_train (void)
{
  char *dir = make_dataset ();
  GError *error = NULL;
  EgoDataset *ds = ego_dataset_open (dir, "train", TRUE, &error);
  const EgoVideo *v;

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  check_train_values (ds);
  g_assert_cmpstr (ego_dataset_dir (ds), ==, dir);
  g_assert_true (g_str_has_suffix (ego_dataset_csv_name (ds),
          "annotations/train.csv"));

  g_assert_cmpint (ego_dataset_n_videos (ds), ==, 3);
  v = ego_dataset_video (ds, 0);
  g_assert_cmpstr (v->video_id, ==, "P03_02");
  g_assert_cmpint (v->kind, ==, EGO_MEDIA_VIDEO);
  g_assert_true (g_str_has_suffix (v->video_path, "videos/P03_02.mp4"));
  g_assert_true (g_str_has_suffix (v->frames_dir, "frames/P03/P03_02"));
  g_assert_cmpint (v->n_clips, ==, 4);
  v = ego_dataset_video (ds, 1);
  g_assert_cmpstr (v->video_id, ==, "P01_01");
  g_assert_cmpint (v->kind, ==, EGO_MEDIA_FRAMES);
  g_assert_null (v->video_path);
  g_assert_true (g_str_has_suffix (v->frames_dir, "frames/P01/P01_01"));
  g_assert_cmpint (v->n_clips, ==, 2);
  v = ego_dataset_video (ds, 2);
  g_assert_cmpint (v->kind, ==, EGO_MEDIA_VIDEO);
  g_assert_true (g_str_has_suffix (v->video_path, "videos/P01_11.MP4"));
  g_assert_null (v->frames_dir);
  g_assert_null (ego_dataset_video (ds, 3));
  g_assert_cmpint (ego_dataset_find_video (ds, "P01_11"), ==, 2);
  g_assert_cmpint (ego_dataset_find_video (ds, "P01_12"), ==, -1);
  g_assert_cmpint (ego_dataset_clip (ds, 5)->video, ==, 1);

  ego_dataset_free (ds);
  fixture_remove_tree (dir);
  g_free (dir);
}

/* Test splits without labels: empty label fields, or EPIC's
 * test_timestamps layout with uid and no label columns. */
static void
test_open_unlabelled (void)
{
  char *dir = make_dataset ();
  GError *error = NULL;
  const char *splits[] = { "test", "test_timestamps" };

  for (guint s = 0; s < G_N_ELEMENTS (splits); s++) {
    EgoDataset *ds = ego_dataset_open (dir, splits[s], FALSE, &error);
    const EgoClip *c;
    g_assert_no_error (error);
    g_assert_cmpint (ego_dataset_n_clips (ds), ==, 2);
    c = ego_dataset_clip (ds, 1);
    g_assert_cmpstr (c->narration_id, ==, "P01_101_1");
    g_assert_cmpint (c->start_frame, ==, 248);
    g_assert_cmpint (c->stop_frame, ==, 287);
    g_assert_cmpint (c->verb_class, ==, -1);
    g_assert_cmpint (c->noun_class, ==, -1);
    g_assert_cmpint (c->n_all_noun_classes, ==, 0);
    g_assert_null (c->all_noun_classes);
    g_assert_cmpstr (c->narration, ==, "");
    g_assert_true (g_str_has_suffix (ego_dataset_video (ds, 0)->video_path,
            "P01_101.webm"));
    ego_dataset_free (ds);
  }

  /* the same files, when labels are required */
  g_assert_null (ego_dataset_open (dir, "test", TRUE, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "test.csv:2: verb_class '' is "
          "empty, but labels are required"));
  g_clear_error (&error);
  g_assert_null (ego_dataset_open (dir, "test_timestamps", TRUE, &error));
  g_assert_nonnull (strstr (error->message, "test_timestamps.csv:1: header "
          "has no label columns"));
  g_clear_error (&error);
  g_assert_null (ego_dataset_open (dir, "../annotations/train", TRUE, &error));
  g_assert_nonnull (strstr (error->message, "is not a plain file name"));
  g_clear_error (&error);
  g_assert_null (ego_dataset_open (dir, "missing", TRUE, &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_IO);
  g_clear_error (&error);
  fixture_remove_tree (dir);
  g_free (dir);
}

static char *
replace_all (const char *text, const char *from, const char *to)
{
  GString *s = g_string_new (text);

  g_string_replace (s, from, to, 0);
  return g_string_free (s, FALSE);
}

/* CRLF line endings, a byte order mark and a missing final newline are
 * accepted and change nothing. */
static void
test_crlf_bom (void)
{
  char *dir = make_dataset ();
  char *nouns = noun_classes_csv ();
  char *crlf = replace_all (train_csv, "\n", "\r\n");
  char *bom = g_strconcat ("\xef\xbb\xbf", crlf, NULL);
  char *verbs = g_strconcat ("\xef\xbb\xbf", verb_classes_csv, NULL);
  char *nouns_crlf = replace_all (nouns, "\n", "\r\n");
  GError *error = NULL;
  EgoDataset *ds;

  /* no final newline */
  bom[strlen (bom) - 2] = '\0';
  write_file (dir, "annotations/train.csv", bom, -1);
  write_file (dir, "annotations/verb_classes.csv", verbs, -1);
  write_file (dir, "annotations/noun_classes.csv", nouns_crlf, -1);
  ds = ego_dataset_open (dir, "train", TRUE, &error);
  g_assert_no_error (error);
  check_train_values (ds);
  ego_dataset_free (ds);
  fixture_remove_tree (dir);
  g_free (dir);
  g_free (nouns);
  g_free (crlf);
  g_free (bom);
  g_free (verbs);
  g_free (nouns_crlf);
}

/* A quoted field may hold line breaks; later rows keep their line numbers. */
static void
test_multiline_field (void)
{
  static const char csv[] = HEADER
      "a_0,P01,P01_01,,00:00:00.00,00:00:01.00,1,60,"
      "\"line one\nline two\r\nline three\",take,0,cup,1,['cup'],[1]\n"
      "\n" "a_1,P01,P01_01,,00:00:01.00,00:00:02.00,61,120,x,take,0,cup,1,,\n";
  const char *verbs[] = { "take", NULL }, *nouns[] = { "plate", "cup", NULL };
  GError *error = NULL;
  EgoDataset *ds = ego_dataset_parse ("m.csv", csv, sizeof (csv) - 1, TRUE,
      verbs, nouns, &error);

  g_assert_no_error (error);
  g_assert_cmpint (ego_dataset_n_clips (ds), ==, 2);
  g_assert_cmpstr (ego_dataset_clip (ds, 0)->narration, ==,
      "line one\nline two\r\nline three");
  g_assert_cmpint (ego_dataset_clip (ds, 1)->line, ==, 6);
  g_assert_null (ego_dataset_video (ds, 0)->video_path);
  g_assert_null (ego_dataset_dir (ds));
  ego_dataset_free (ds);
}

/* ---------------------------------------------------------------------- */
/* malformed files                                                        */

typedef struct
{
  const char *what;
  const char *file;             /* under annotations/ */
  const char *from, *to;        /* first occurrence replaced; '@' -> NUL */
  int line;                     /* 0: the message names no line */
  const char *reason;
} Broken;

static const Broken broken[] = {
  {"header-column", "train.csv", "participant_id,video_id,",
        "participant_id,videoid,", 1,
      "header column 3 is 'videoid', expected 'video_id'"},
  {"header-missing-column", "train.csv", ",all_noun_classes\n", "\n", 1,
      "missing column 'all_noun_classes'"},
  {"header-extra-column", "train.csv", "all_noun_classes\n",
      "all_noun_classes,extra\n", 1, "header has an extra column 16 'extra'"},
  {"row-missing-field", "train.csv", ",pick-up,0,", ",0,", 3,
      "has 14 fields, expected 15 as in the header"},
  {"row-extra-field", "train.csv", "['door'],[3]", "['door'],[3],7", 6,
      "has 16 fields, expected 15"},
  {"unterminated-quote", "train.csv", "\"[2, 4]\"", "\"[2, 4]", 9,
      "unterminated quoted field"},
  {"stray-quote", "train.csv", "open door", "open \"door\"", 6,
      "stray '\"' in an unquoted field"},
  {"text-after-quote", "train.csv", "\"[54, 36]\"", "\"[54, 36]\"x", 4,
      "text after the closing quote"},
  {"lone-cr", "train.csv", "open door", "open\rdoor", 6, "carriage return"},
  {"non-numeric-frame", "train.csv", ",8,202,", ",8a,202,", 6,
      "start_frame '8a' is not an integer"},
  {"negative-frame", "train.csv", ",8,202,", ",-8,202,", 6,
      "start_frame '-8' is negative"},
  {"frame-zero", "train.csv", ",8,202,", ",0,202,", 6,
      "start_frame '0' is 0: frames count from 1"},
  {"huge-frame", "train.csv", ",8,202,", ",8,2000000000,", 6,
      "stop_frame '2000000000' is not an integer in [1, 1000000000]"},
  {"stop-before-start", "train.csv", ",187,321,", ",187,150,", 7,
      "stop_frame '150' is before start_frame 187"},
  {"stop-time-before-start", "train.csv", "00:00:02.60,00:00:05.35",
      "00:00:02.60,00:00:01.35", 7, "stop_timestamp '00:00:01.35' is before"},
  {"bad-timestamp", "train.csv", "00:00:03.29", "00:00:3.29", 2,
      "start_timestamp '00:00:3.29' is not a timestamp"},
  {"bad-timestamp-minutes", "train.csv", "00:00:41.38", "00:61:41.38", 5,
      "start_timestamp '00:61:41.38' is not a timestamp"},
  {"bad-narration-timestamp", "train.csv", "00:00:01.089", "1.089", 6,
      "narration_timestamp '1.089' is not a timestamp"},
  {"verb-class-out-of-range", "train.csv", ",turn-on,6,", ",turn-on,10,", 7,
      "verb_class '10' is out of range: the verb classes are 0..9"},
  {"noun-class-out-of-range", "train.csv", ",light,114,", ",light,300,", 7,
      "noun_class '300' is out of range: the noun classes are 0..299"},
  {"noun-list-class-out-of-range", "train.csv", "\"[93, 36]\"",
      "\"[93, 360]\"", 5, "item 2 (360) is out of range"},
  {"noun-list-lengths", "train.csv", "['door'],[3]", "['door'],\"[3, 4]\"",
      6, "all_noun_classes '[3, 4]' has 2 items but all_nouns has 1"},
  {"bad-list-literal", "train.csv", "\"['rubbish', 'bin']\"",
        "\"['rubbish', 'bin'\"", 4,
      "all_nouns '[\\'rubbish\\', \\'bin\\'' is not a list of strings: "
        "expected ',' or ']' at character 18"},
  {"bad-int-list", "train.csv", "[23]\n", "[2x3]\n", 2,
      "is not a list of integers: expected ',' or ']' at character 3"},
  {"unquoted-list-string", "train.csv", "['door']", "[door]", 6,
      "expected a quoted string at character 2"},
  {"duplicate-narration-id", "train.csv", "P01_11_1,", "P01_11_0,", 9,
      "narration_id 'P01_11_0' is a duplicate (first on line 8)"},
  {"unsafe-video-id", "train.csv", "P01,P01_01,00:00:01",
      "P01,x/../P01_01,00:00:01", 6, "video_id 'x/../P01_01' has characters"},
  {"participant-mismatch", "train.csv", "P01,P01_01,00:00:02",
        "P02,P01_01,00:00:02", 7,
      "participant_id 'P02' differs from the participant P01 of video "
        "P01_01 on line 6"},
  {"missing-labels", "train.csv", ",open,3,door,3,", ",open,,door,3,", 6,
      "verb_class '' is empty, but labels are required"},
  {"missing-video", "train.csv", ",P01_11,00:00:00.560", ",P01_12,00:00:00.560",
      8, "video P01_12 not found in "},
  {"nul-byte", "train.csv", "open door", "open@door", 6,
      "contains a NUL byte"},
  {"invalid-utf8", "train.csv", "open door", "open \xff door", 6,
      "is not valid UTF-8"},
  {"empty-file", "train.csv", NULL, "", 0, "is empty (no header line)"},
  {"class-header", "verb_classes.csv", "id,key,", "id,name,", 1,
      "header must start with the columns id,key"},
  {"class-duplicate-id", "verb_classes.csv", "\n3,open,", "\n2,open,", 5,
      "duplicate id 2 (also on line 4)"},
  {"class-duplicate-id-first", "verb_classes.csv", "\n0,take,", "\n1,take,",
      3, "duplicate id 1 (also on line 2)"},
  {"class-duplicate-key", "verb_classes.csv", "\n4,close,", "\n4,open,", 6,
      "duplicate key 'open' (also on line 5)"},
  {"class-id-gap", "verb_classes.csv", "\n9,pour,", "\n10,pour,", 11,
      "id 10 is out of range: the 10 classes must have ids 0..9"},
  {"class-bad-id", "noun_classes.csv", "\n7,noun7,", "\nseven,noun7,", 9,
      "id is not an integer"},
  {"class-field-count", "noun_classes.csv",
        "5,noun5,\"['noun5', 'other5']\",cat5", "5,noun5", 7,
      "has 2 fields, expected 4 as in the header"},
  {"class-empty", "noun_classes.csv", NULL, "id,key\n", 0, "has no classes"},
};

static char *
broken_text (const char *dir, const Broken * b, gsize * len)
{
  char *path = g_build_filename (dir, "annotations", b->file, NULL);
  char *text;
  GString *s;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  s = g_string_new (b->from ? text : b->to);
  if (b->from)
    g_assert_cmpuint (g_string_replace (s, b->from, b->to, 1), ==, 1);
  g_free (text);
  g_free (path);
  *len = s->len;
  for (gsize i = 0; i < s->len; i++)
    if (s->str[i] == '@')
      s->str[i] = '\0';
  return g_string_free (s, FALSE);
}

/* Each broken file is refused with "<file>:<line>: <reason>". */
static void
test_broken (gconstpointer data)
{
  const Broken *b = data;
  char *dir = make_dataset ();
  char *rel = g_build_filename ("annotations", b->file, NULL);
  char *path = g_build_filename (dir, rel, NULL);
  char *prefix = b->line ? g_strdup_printf ("%s:%d: ", path, b->line) :
      g_strdup_printf ("%s: ", path);
  gsize len;
  char *text = broken_text (dir, b, &len);
  GError *error = NULL;

  write_file (dir, rel, text, (gssize) len);
  g_assert_null (ego_dataset_open (dir, "train", TRUE, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (error->domain == EGO_ERROR);
  if (!g_str_has_prefix (error->message, prefix))
    g_error ("message '%s' does not start with '%s'", error->message, prefix);
  if (strstr (error->message, b->reason) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, b->reason);
  g_error_free (error);
  fixture_remove_tree (dir);
  g_free (text);
  g_free (prefix);
  g_free (path);
  g_free (rel);
  g_free (dir);
}

static void
expect_parse_error (const char *text, gsize len, const char *reason)
{
  const char *verbs[] = { "take", NULL }, *nouns[] = { "cup", NULL };
  GError *error = NULL;

  g_assert_null (ego_dataset_parse ("big.csv", text, len, TRUE, verbs, nouns,
          &error));
  g_assert_nonnull (error);
  if (strstr (error->message, reason) == NULL)
    g_error ("message '%s' lacks '%s'", error->message, reason);
  g_error_free (error);
}

/* Records longer than the limit, with too many fields, or whose quote runs
 * to the end, are refused without reading on. */
static void
test_limits (void)
{
  GString *s = g_string_new (HEADER);
  gsize header_len = s->len;

  g_string_append (s, "a,P01,P01_01,,00:00:00.00,00:00:01.00,1,2,\"");
  for (int i = 0; i < EGO_CSV_MAX_RECORD; i++)
    g_string_append_c (s, 'x');
  g_string_append (s, "\",take,0,cup,0,,\n");
  expect_parse_error (s->str, s->len,
      "big.csv:2: record is longer than 65536 bytes");

  /* the same without the closing quote */
  g_string_truncate (s, s->len - 17);
  expect_parse_error (s->str, s->len,
      "big.csv:2: record is longer than 65536 bytes (an unterminated quote?)");

  g_string_truncate (s, header_len);
  for (int i = 0; i < 70; i++)
    g_string_append (s, "x,");
  g_string_append (s, "\n");
  expect_parse_error (s->str, s->len, "big.csv:2: record has more than 64 "
      "fields");

  g_string_truncate (s, header_len);
  g_string_append (s, "a,P01,P01_01,,00:00:00.00,00:00:01.00,1,2,n,take,0,"
      "cup,0,\"[");
  for (int i = 0; i < 70; i++)
    g_string_append (s, "'cup', ");
  g_string_append (s, "]\",\n");
  expect_parse_error (s->str, s->len, "has more than 64 items");
  expect_parse_error ("\n\r\nuid", 6, "big.csv:3: header has no column "
      "after uid");
  g_string_free (s, TRUE);
}

/* What the dataset writer formats, the reader reads back: the seconds
 * just below a full minute or hour round up into it. */
static void
test_timestamp_round_trip (void)
{
  static const double times[] = { 0.0, 0.004, 1.5, 59.994, 59.996, 119.999,
    3599.996, 3723.456, 360000.0
  };
  static const char *expected[] = { "00:00:00.00", "00:00:00.00",
    "00:00:01.50", "00:00:59.99", "00:01:00.00", "00:02:00.00",
    "01:00:00.00", "01:02:03.46", "100:00:00.00"
  };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++) {
    GString *s = g_string_new (NULL);
    double back = -1.0;
    ego_format_timestamp (s, times[i]);
    g_assert_cmpstr (s->str, ==, expected[i]);
    g_assert_true (ego_parse_timestamp (s->str, &back));
    g_assert_cmpfloat (fabs (back - times[i]), <=, 0.005 + 1e-9);
    g_string_free (s, TRUE);
  }
}

/* Fields written by ego_csv_append_field read back as they were, in one
 * record, whatever they hold. */
static void
test_csv_field_round_trip (void)
{
  static const char *fields[] = { "plain", "", "a, b", "say \"hi\"",
    "\"", "two\nlines", "cr\r\nlf", " padded ", "pan:frying", "\xc3\xa9t\xc3\xa9"
  };
  GString *line = g_string_new (NULL);
  GError *error = NULL;
  EgoCsv csv;

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++) {
    if (i)
      g_string_append_c (line, ',');
    ego_csv_append_field (line, fields[i]);
  }
  g_string_append_c (line, '\n');
  g_assert_true (ego_csv_init (&csv, "round-trip.csv", line->str, line->len,
          &error));
  g_assert_cmpint (ego_csv_next (&csv, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (csv.n_fields, ==, G_N_ELEMENTS (fields));
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    g_assert_cmpstr (csv.fields[i], ==, fields[i]);
  g_assert_cmpint (ego_csv_next (&csv, &error), ==, 0);
  ego_csv_clear (&csv);
  g_string_free (line, TRUE);
}

/* The field parsers on their own. */
static void
test_field_parsers (void)
{
  double t;
  gint64 v;
  GPtrArray *strs = g_ptr_array_new_with_free_func (g_free);
  GArray *ints = g_array_new (FALSE, FALSE, sizeof (int));
  char *why = NULL;

  g_assert_true (ego_parse_timestamp ("00:01:02.53", &t));
  g_assert_cmpfloat_with_epsilon (t, 62.53, 1e-9);
  g_assert_true (ego_parse_timestamp ("1:00:00", &t));
  g_assert_cmpfloat (t, ==, 3600.0);
  g_assert_true (ego_parse_timestamp ("00:00:01.089", &t));
  g_assert_cmpfloat_with_epsilon (t, 1.089, 1e-9);
  g_assert_false (ego_parse_timestamp ("00:00:01.", &t));
  g_assert_false (ego_parse_timestamp ("00:00:60.00", &t));
  g_assert_false (ego_parse_timestamp ("0000:00:01.00", &t));
  g_assert_false (ego_parse_timestamp ("00:00:01.00 ", &t));
  g_assert_false (ego_parse_timestamp ("", &t));
  g_assert_true (ego_parse_int ("-12", -20, 20, &v));
  g_assert_cmpint (v, ==, -12);
  g_assert_false (ego_parse_int ("+1", 0, 9, &v));
  g_assert_false (ego_parse_int ("1 ", 0, 9, &v));
  g_assert_false (ego_parse_int ("-", -9, 9, &v));
  g_assert_false (ego_parse_int ("1234567890123456789", 0, G_MAXINT64, &v));

  g_assert_true (ego_parse_str_list ("['a', \"b's\",'c\\'d' ,]", strs, &why));
  g_assert_cmpuint (strs->len, ==, 3);
  g_assert_cmpstr (strs->pdata[1], ==, "b's");
  g_assert_cmpstr (strs->pdata[2], ==, "c'd");
  g_assert_true (ego_parse_str_list ("[]", strs, &why));
  g_assert_false (ego_parse_str_list ("['a'] x", strs, &why));
  g_assert_cmpstr (why, ==, "text after ']' at character 7");
  g_clear_pointer (&why, g_free);
  g_assert_false (ego_parse_str_list ("['a\\x']", strs, &why));
  g_clear_pointer (&why, g_free);
  g_assert_true (ego_parse_int_list ("[3, -8,12]", ints, &why));
  g_assert_cmpuint (ints->len, ==, 3);
  g_assert_cmpint (g_array_index (ints, int, 1), ==, -8);
  g_assert_false (ego_parse_int_list ("[99999999999]", ints, &why));
  g_clear_pointer (&why, g_free);
  g_assert_false (ego_parse_int_list ("[1, 2", ints, &why));
  g_clear_pointer (&why, g_free);
  g_ptr_array_unref (strs);
  g_array_unref (ints);
}

/* ---------------------------------------------------------------------- */
/* detections                                                             */

static const char detections_jsonl[] =
    /* 1 */
    "{\"frame\": 12, \"boxes\": [{\"x1\": 0.1, \"y1\": 0.2, \"x2\": 0.5, "
    "\"y2\": 0.6, \"category\": \"hand\", \"score\": 0.9, \"side\": \"left\", "
    "\"contact\": true}, {\"x1\": -0.02, \"y1\": 0, \"x2\": 1.03, \"y2\": 1, "
    "\"category\": \"object\", \"score\": 1, \"side\": null, "
    "\"contact\": false}]}\n"
    /* 2 */
    "{\"frame\": 3, \"boxes\": []}\r\n"
    /* 3 */
    "{\"frame\": 7, \"boxes\": [{\"x1\": 0, \"y1\": 0, \"x2\": 0.25, "
    "\"y2\": 0.5, \"category\": \"hand\", \"score\": 0.5, "
    "\"side\": \"right\"}], \"detector\": {\"name\": \"x\"}}\n";

/* Valid lines are kept per frame, in frame order, with coordinates a little
 * outside [0, 1] clamped. */
static void
test_detections (void)
{
  char *dir = make_dataset ();
  GError *error = NULL;
  EgoDataset *ds;
  EgoDetections *det;
  const EgoBox *b;
  int n;

  write_file (dir, "detections/P03_02.jsonl", detections_jsonl, -1);
  ds = ego_dataset_open (dir, "train", TRUE, &error);
  g_assert_no_error (error);
  det = ego_dataset_load_detections (ds, "P03_02", &error);
  g_assert_no_error (error);
  g_assert_cmpint (det->n_frames, ==, 3);
  g_assert_cmpint (det->frames[0], ==, 3);
  g_assert_cmpint (det->frames[2], ==, 12);
  g_assert_cmpint (det->n_boxes, ==, 3);

  b = ego_detections_lookup (det, 12, &n);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpfloat (b[0].x1, ==, 0.1f);
  g_assert_cmpfloat (b[0].y2, ==, 0.6f);
  g_assert_cmpfloat (b[0].score, ==, 0.9f);
  g_assert_cmpint (b[0].category, ==, EGO_BOX_HAND);
  g_assert_cmpint (b[0].side, ==, EGO_SIDE_LEFT);
  g_assert_true (b[0].contact);
  g_assert_cmpfloat (b[1].x1, ==, 0.0f);
  g_assert_cmpfloat (b[1].x2, ==, 1.0f);
  g_assert_cmpint (b[1].category, ==, EGO_BOX_OBJECT);
  g_assert_cmpint (b[1].side, ==, EGO_SIDE_NONE);
  g_assert_false (b[1].contact);
  b = ego_detections_lookup (det, 7, &n);
  g_assert_cmpint (n, ==, 1);
  g_assert_cmpint (b[0].side, ==, EGO_SIDE_RIGHT);
  g_assert_false (b[0].contact);
  ego_detections_lookup (det, 3, &n);
  g_assert_cmpint (n, ==, 0);
  g_assert_null (ego_detections_lookup (det, 5, &n));
  g_assert_cmpint (n, ==, 0);
  g_assert_null (ego_detections_lookup (det, 13, &n));
  ego_detections_free (det);

  /* no file, and a video the dataset does not have */
  g_assert_null (ego_dataset_load_detections (ds, "P01_01", &error));
  g_assert_error (error, EGO_ERROR, EGO_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "P01_01.jsonl"));
  g_clear_error (&error);
  g_assert_null (ego_dataset_load_detections (ds, "../x", &error));
  g_assert_nonnull (strstr (error->message, "has no video ../x"));
  g_clear_error (&error);
  ego_dataset_free (ds);
  fixture_remove_tree (dir);
  g_free (dir);
}

typedef struct
{
  const char *what;
  const char *line;             /* replaces line 2 */
  const char *reason;
} BrokenLine;

#define BOX(x1, extra) "{\"x1\": " x1 ", \"y1\": 0.1, \"x2\": 0.9, " \
  "\"y2\": 0.9, \"category\": \"hand\", \"score\": 0.5" extra "}"

static const BrokenLine broken_lines[] = {
  {"bad-json", "{\"frame\": 3, \"boxes\": [}", "is not valid JSON"},
  {"not-object", "[3]", "is not a JSON object"},
  {"missing-frame", "{\"boxes\": []}", "frame is missing"},
  {"fractional-frame", "{\"frame\": 3.5, \"boxes\": []}",
      "frame is not an integer"},
  {"negative-frame", "{\"frame\": -3, \"boxes\": []}",
      "frame -3 is outside [1, 1000000000]"},
  {"frame-zero", "{\"frame\": 0, \"boxes\": []}",
      "frame 0: frames count from 1"},
  {"huge-frame", "{\"frame\": 99999999999999999999999, \"boxes\": []}",
      "an integer has more than 18 digits"},
  /* what json-glib takes beyond JSON, which hid a wrapped integer */
  {"hex-frame", "{\"frame\": -0xFFFFFFFFFFFFFFFB, \"boxes\": []}",
      "is not valid JSON: 'x' outside a string"},
  {"single-quotes", "{\"a\": '\"', \"frame\": -18446744073709551611, "
        "\"b\": \":::\", \"boxes\": []}",
      "is not valid JSON: ''' outside a string"},
  {"missing-boxes", "{\"frame\": 3}", "boxes is missing or not an array"},
  {"nan-coordinate", "{\"frame\": 3, \"boxes\": [" BOX ("NaN", "") "]}",
      "is not valid JSON"},
  {"infinite-coordinate", "{\"frame\": 3, \"boxes\": [" BOX ("1e999", "")
      "]}", "box 1: x1 = inf is outside [0, 1]"},
  {"absurd-coordinate", "{\"frame\": 3, \"boxes\": [" BOX ("0.1", "") ", "
        BOX ("-3.5", "") "]}", "box 2: x1 = -3.5 is outside [0, 1]"},
  {"string-coordinate", "{\"frame\": 3, \"boxes\": [" BOX ("\"0.1\"", "")
      "]}", "box 1: x1 is missing or not a number"},
  {"inverted-box", "{\"frame\": 3, \"boxes\": [" BOX ("0.95", "") "]}",
      "box 1: x2 < x1"},
  {"unknown-category", "{\"frame\": 3, \"boxes\": [" BOX ("0.1",
          ", \"category\": \"face\"") "]}", "box 1: unknown category 'face'"},
  {"bad-side", "{\"frame\": 3, \"boxes\": [" BOX ("0.1",
          ", \"side\": \"middle\"") "]}", "side must be"},
  {"bad-contact", "{\"frame\": 3, \"boxes\": [" BOX ("0.1",
          ", \"contact\": \"yes\"") "]}", "contact must be"},
  {"bad-score", "{\"frame\": 3, \"boxes\": [{\"x1\": 0, \"y1\": 0, "
        "\"x2\": 1, \"y2\": 1, \"category\": \"hand\", \"score\": 1.5}]}",
      "box 1: score is missing or not a number in [0, 1]"},
  {"box-not-object", "{\"frame\": 3, \"boxes\": [3]}", "box 1 is not an "
        "object"},
  {"duplicate-member", "{\"frame\": 3, \"frame\": 4, \"boxes\": []}",
      "has a duplicate (or escaped) member name"},
  {"duplicate-box-member", "{\"frame\": 3, \"boxes\": [" BOX ("0.1",
          ", \"x1\": 0.2") "]}", "has a duplicate (or escaped) member name"},
  {"too-deep", "{\"frame\": 3, \"boxes\": [[[[[[[[]]]]]]]]}",
      "nests deeper than 8"},
  {"duplicate-frame", "{\"frame\": 12, \"boxes\": []}",
      "frame 12 appears twice (also on line 1)"},
  {"nul-byte", "{\"frame\": 3,@\"boxes\": []}", "contains a NUL byte"},
};

static void
expect_detections_error (const char *text, gsize len, int line,
    const char *reason)
{
  GError *error = NULL;
  char *prefix = g_strdup_printf ("d.jsonl:%d: ", line);

  g_assert_null (ego_detections_parse ("d.jsonl", text, len, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (!g_str_has_prefix (error->message, prefix)
      || strstr (error->message, reason) == NULL)
    g_error ("message '%s' is not '%s...%s'", error->message, prefix, reason);
  g_error_free (error);
  g_free (prefix);
}

/* Each broken line (here line 2 of three) is refused with file and line. */
static void
test_broken_line (gconstpointer data)
{
  const BrokenLine *b = data;
  char **lines = g_strsplit (detections_jsonl, "\n", -1);
  char *text;
  gsize len;

  g_free (lines[1]);
  lines[1] = g_strdup (b->line);
  text = g_strjoinv ("\n", lines);
  len = strlen (text);
  for (gsize i = 0; i < len; i++)
    if (text[i] == '@')
      text[i] = '\0';
  expect_detections_error (text, len, 2, b->reason);
  g_free (text);
  g_strfreev (lines);
}

/* What detectors and float printing write: a float32 score printed with
 * all its digits (19 after the point), a member of a box's own holding an
 * array; both read. */
static void
test_detections_loose (void)
{
  const char *text = "{\"frame\": 1, \"boxes\": [{\"x1\": "
      "0.0003000000142492354, \"y1\": 0.1, \"x2\": 0.9, \"y2\": 0.9, "
      "\"category\": \"hand\", \"score\": 0.0012000000569969416, "
      "\"offset\": [0.5, -0.25]}]}\n";
  GError *error = NULL;
  EgoDetections *det = ego_detections_parse ("d.jsonl", text, strlen (text),
      &error);

  g_assert_no_error (error);
  g_assert_cmpint (det->n_boxes, ==, 1);
  g_assert_cmpfloat_with_epsilon (det->boxes[0].x1, 0.0003, 1e-9);
  g_assert_cmpfloat_with_epsilon (det->boxes[0].score, 0.0012, 1e-9);
  ego_detections_free (det);
}

/* More boxes per frame than the limit keep the best (hands first, then
 * by score, as the network picks), and over-long lines. */
static void
test_detections_limits (void)
{
  GString *s = g_string_new ("{\"frame\": 1, \"boxes\": []}\n"
      "{\"frame\": 2, \"boxes\": [");
  EgoDetections *det;

  for (int i = 0; i < EGO_DETECTIONS_MAX_BOXES; i++)
    g_string_append_printf (s, "%s" BOX ("0.1", ""), i ? ", " : "");
  g_string_append (s, "]}\n");
  det = ego_detections_parse ("d.jsonl", s->str, s->len, NULL);
  g_assert_nonnull (det);
  g_assert_cmpint (det->n_boxes, ==, EGO_DETECTIONS_MAX_BOXES);
  ego_detections_free (det);

  /* then an object box of score 0.9 and a hand of score 0.7: the hand
   * goes first, and the object and a hand of score 0.5 go */
  g_string_truncate (s, s->len - 3);
  g_string_append (s, ", {\"x1\": 0.2, \"y1\": 0.1, \"x2\": 0.9, "
      "\"y2\": 0.9, \"category\": \"object\", \"score\": 0.9}, "
      "{\"x1\": 0.3, \"y1\": 0.1, \"x2\": 0.9, \"y2\": 0.9, "
      "\"category\": \"hand\", \"score\": 0.7}]}\n");
  det = ego_detections_parse ("d.jsonl", s->str, s->len, NULL);
  g_assert_nonnull (det);
  g_assert_cmpint (det->n_boxes, ==, EGO_DETECTIONS_MAX_BOXES);
  g_assert_cmpint (det->frames_cut, ==, 1);
  g_assert_cmpfloat (det->boxes[0].x1, ==, 0.3f);
  for (int i = 1; i < EGO_DETECTIONS_MAX_BOXES; i++)
    g_assert_cmpint (det->boxes[i].category, ==, EGO_BOX_HAND);
  ego_detections_free (det);

  g_string_assign (s, "\n{\"frame\": 1, \"boxes\": [], \"pad\": \"");
  for (int i = 0; i < EGO_DETECTIONS_MAX_LINE; i++)
    g_string_append_c (s, 'x');
  g_string_append (s, "\"}\n");
  expect_detections_error (s->str, s->len, 2, "line is longer than 65536");

  det = ego_detections_parse ("empty.jsonl", "", 0, NULL);
  g_assert_nonnull (det);
  g_assert_cmpint (det->n_frames, ==, 0);
  ego_detections_free (det);
  g_string_free (s, TRUE);
}

/* ---------------------------------------------------------------------- */
/* sampling                                                               */

/* Training frames fall in their segments, vary with the seed, and repeat
 * for a seed; test frames are the segments' middles. */
static void
test_sample_tsn (void)
{
  int out[8], again[8], first[8];
  gboolean varied = FALSE;
  EgoRng rng;

  for (uint64_t seed = 1; seed <= 20; seed++) {
    ego_rng_seed (&rng, seed, 0);
    g_assert_true (ego_sample_tsn (100, 199, 8, TRUE, &rng, out));
    for (int i = 0; i < 8; i++) {
      /* segment i is [100 + 100 i / 8, 100 + 100 (i + 1) / 8) */
      g_assert_cmpint (out[i], >=, 100 + 100 * i / 8);
      g_assert_cmpint (out[i], <, 100 + 100 * (i + 1) / 8);
    }
    if (seed == 1)
      memcpy (first, out, sizeof (out));
    else
      varied |= memcmp (first, out, sizeof (out)) != 0;
    ego_rng_seed (&rng, seed, 0);
    g_assert_true (ego_sample_tsn (100, 199, 8, TRUE, &rng, again));
    g_assert_cmpmem (out, sizeof (out), again, sizeof (again));
  }
  g_assert_true (varied);

  /* segments [10,12) [12,14) [14,16) [16,18): first + length / 2 */
  g_assert_true (ego_sample_tsn (10, 17, 4, FALSE, NULL, out));
  g_assert_cmpint (out[0], ==, 11);
  g_assert_cmpint (out[1], ==, 13);
  g_assert_cmpint (out[2], ==, 15);
  g_assert_cmpint (out[3], ==, 17);
  /* segments of 3: the true middles */
  g_assert_true (ego_sample_tsn (1, 9, 3, FALSE, NULL, out));
  g_assert_cmpint (out[0], ==, 2);
  g_assert_cmpint (out[1], ==, 5);
  g_assert_cmpint (out[2], ==, 8);
}

/* Fewer frames than samples: every frame, in order, repeated, the same in
 * training and at test. */
static void
test_sample_tsn_short (void)
{
  const int expected[8] = { 5, 5, 5, 6, 6, 7, 7, 7 };
  int out[8];
  EgoRng rng;

  ego_rng_seed (&rng, 3, 0);
  g_assert_true (ego_sample_tsn (5, 7, 8, TRUE, &rng, out));
  g_assert_cmpmem (out, sizeof (out), expected, sizeof (expected));
  g_assert_true (ego_sample_tsn (5, 7, 8, FALSE, NULL, out));
  g_assert_cmpmem (out, sizeof (out), expected, sizeof (expected));
  g_assert_true (ego_sample_tsn (42, 42, 4, TRUE, &rng, out));
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (out[i], ==, 42);
  /* bad arguments leave out alone */
  g_assert_false (ego_sample_tsn (5, 4, 8, FALSE, NULL, out));
  g_assert_false (ego_sample_tsn (5, 7, 0, FALSE, NULL, out));
  g_assert_false (ego_sample_tsn (5, 7, 8, TRUE, NULL, out));
  g_assert_cmpint (out[0], ==, 42);
}

/* T frames step apart: centred at test, anywhere that fits in training,
 * clamped to the clip (covering all of it) when the clip is too short. */
static void
test_sample_fixed_step (void)
{
  const int short_test[8] = { 10, 10, 11, 13, 15, 17, 19, 19 };
  int out[8], again[8], first_frames[8];
  gboolean varied = FALSE;
  EgoRng rng;

  /* 100 frames, window of 29: offset (100 - 29) / 2 = 35 */
  g_assert_true (ego_sample_fixed_step (0, 99, 8, 4, FALSE, NULL, out));
  for (int i = 0; i < 8; i++)
    g_assert_cmpint (out[i], ==, 35 + 4 * i);

  for (uint64_t seed = 1; seed <= 20; seed++) {
    ego_rng_seed (&rng, seed, 7);
    g_assert_true (ego_sample_fixed_step (0, 99, 8, 4, TRUE, &rng, out));
    g_assert_cmpint (out[0], >=, 0);
    g_assert_cmpint (out[7], <=, 99);
    for (int i = 1; i < 8; i++)
      g_assert_cmpint (out[i] - out[i - 1], ==, 4);
    if (seed == 1)
      first_frames[0] = out[0];
    else
      varied |= out[0] != first_frames[0];
    ego_rng_seed (&rng, seed, 7);
    g_assert_true (ego_sample_fixed_step (0, 99, 8, 4, TRUE, &rng, again));
    g_assert_cmpmem (out, sizeof (out), again, sizeof (again));
  }
  g_assert_true (varied);

  /* 10 frames, window of 15: offset floor(-5 / 2) = -3, clamped */
  g_assert_true (ego_sample_fixed_step (10, 19, 8, 2, FALSE, NULL, out));
  g_assert_cmpmem (out, sizeof (out), short_test, sizeof (short_test));
  for (uint64_t seed = 1; seed <= 20; seed++) {
    ego_rng_seed (&rng, seed, 7);
    g_assert_true (ego_sample_fixed_step (10, 19, 8, 2, TRUE, &rng, out));
    g_assert_cmpint (out[0], ==, 10);
    g_assert_cmpint (out[7], ==, 19);
    for (int i = 1; i < 8; i++)
      g_assert_cmpint (out[i] - out[i - 1], >=, 0);
  }
  /* step 1 over exactly T frames is every frame */
  g_assert_true (ego_sample_fixed_step (3, 10, 8, 1, TRUE, &rng, out));
  for (int i = 0; i < 8; i++)
    g_assert_cmpint (out[i], ==, 3 + i);
  g_assert_false (ego_sample_fixed_step (3, 10, 8, 0, FALSE, NULL, out));
  g_assert_false (ego_sample_fixed_step (3, 10, 8, 1, TRUE, NULL, out));
  g_assert_false (ego_sample_fixed_step (3, 10, 8, G_MAXINT, FALSE, NULL, out));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dataset/open-train", test_open_train);
  g_test_add_func ("/dataset/open-unlabelled", test_open_unlabelled);
  g_test_add_func ("/dataset/crlf-bom", test_crlf_bom);
  g_test_add_func ("/dataset/multiline-field", test_multiline_field);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++) {
    char *path = g_strconcat ("/dataset/broken/", broken[i].what, NULL);
    g_test_add_data_func (path, &broken[i], test_broken);
    g_free (path);
  }
  g_test_add_func ("/dataset/limits", test_limits);
  g_test_add_func ("/dataset/field-parsers", test_field_parsers);
  g_test_add_func ("/dataset/timestamp-round-trip", test_timestamp_round_trip);
  g_test_add_func ("/dataset/csv-field-round-trip", test_csv_field_round_trip);
  g_test_add_func ("/detections/valid", test_detections);
  for (guint i = 0; i < G_N_ELEMENTS (broken_lines); i++) {
    char *path = g_strconcat ("/detections/broken/", broken_lines[i].what,
        NULL);
    g_test_add_data_func (path, &broken_lines[i], test_broken_line);
    g_free (path);
  }
  g_test_add_func ("/detections/limits", test_detections_limits);
  g_test_add_func ("/detections/loose", test_detections_loose);
  g_test_add_func ("/sample/tsn", test_sample_tsn);
  g_test_add_func ("/sample/tsn-short", test_sample_tsn_short);
  g_test_add_func ("/sample/fixed-step", test_sample_fixed_step);
  return g_test_run ();
}
