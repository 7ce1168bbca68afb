"""PostgreSQL: 1–2 character Chinese queries (腾讯, 腾) from an index.

pg_trgm cannot answer LIKE '%腾讯%' (no trigram in two characters). This index holds every pair of adjacent
characters of the name and short name as a separate word (" 临清 清丰 丰胜 … 司 "), so that a 2-character query
is the word " 腾讯 " and a 1-character query is a word start " 腾" — both give pg_trgm selective trigrams.
SQLite narrows short queries through the pinyin key instead (see kehu.customers.selectors).
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION kehu_cjk_bigrams(a text, b text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  s text := coalesce(a, '') || ' ' || coalesce(b, '');
  n int := char_length(s);
  out text := ' ';
  c text;
  nxt text;
BEGIN
  FOR i IN 1 .. n LOOP
    c := substr(s, i, 1);
    CONTINUE WHEN c = ' ';
    nxt := substr(s, i + 1, 1);
    IF nxt = '' OR nxt = ' ' THEN
      out := out || c || ' ';
    ELSE
      out := out || c || nxt || ' ';
    END IF;
  END LOOP;
  RETURN out;
END
$$
"""
INDEX = ("CREATE INDEX IF NOT EXISTS kehu_cust_cjk_bigram_trgm ON customers_customer "
         "USING gin (kehu_cjk_bigrams(name, short_name) gin_trgm_ops)")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS kehu_cust_cjk_bigram_trgm")
        schema_editor.execute("DROP FUNCTION IF EXISTS kehu_cjk_bigrams(text, text)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_search_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
