"""Search indexes for the one-box customer search (issue 2, item 6), per database vendor.

PostgreSQL: pg_trgm GIN trigram indexes for substring search on the names, pinyin keys and code, and btrees
for the list page (owner/unit + code order) and a contact's landline. uscc, code and contact mobile already
have btree `_like` (varchar_pattern_ops) indexes from Django, which serve prefix searches.

SQLite: an FTS5 trigram table over the same columns, an external-content table kept in sync by triggers.
Both trigram indexes need at least 3 characters; shorter queries take another path (see
kehu.customers.selectors.search_filter).
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS kehu_cust_name_trgm ON customers_customer USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_short_trgm ON customers_customer USING gin (short_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_pinyin_trgm ON customers_customer USING gin (name_pinyin gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_initials_trgm ON customers_customer USING gin (name_initials gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_code_trgm ON customers_customer USING gin (code gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_owner_code ON customers_customer (owner_id, code)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_unit_code ON customers_customer (unit_id, code)",
    "CREATE INDEX IF NOT EXISTS kehu_contact_phone ON customers_contact (phone)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS kehu_cust_name_trgm",
    "DROP INDEX IF EXISTS kehu_cust_short_trgm",
    "DROP INDEX IF EXISTS kehu_cust_pinyin_trgm",
    "DROP INDEX IF EXISTS kehu_cust_initials_trgm",
    "DROP INDEX IF EXISTS kehu_cust_code_trgm",
    "DROP INDEX IF EXISTS kehu_cust_owner_code",
    "DROP INDEX IF EXISTS kehu_cust_unit_code",
    "DROP INDEX IF EXISTS kehu_contact_phone",
]

_FTS_COLS = "name, short_name, name_pinyin, name_initials, code"
_NEW = "new.name, new.short_name, new.name_pinyin, new.name_initials, new.code"
_OLD = "old.name, old.short_name, old.name_pinyin, old.name_initials, old.code"
SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS customers_customer_fts USING fts5({_FTS_COLS}, "
    "content='customers_customer', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_ai AFTER INSERT ON customers_customer BEGIN "
    f"INSERT INTO customers_customer_fts(rowid, {_FTS_COLS}) VALUES (new.id, {_NEW}); END",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_ad AFTER DELETE ON customers_customer BEGIN "
    f"INSERT INTO customers_customer_fts(customers_customer_fts, rowid, {_FTS_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); END",
    "CREATE TRIGGER IF NOT EXISTS customers_customer_fts_au "
    f"AFTER UPDATE OF {_FTS_COLS} ON customers_customer BEGIN "
    f"INSERT INTO customers_customer_fts(customers_customer_fts, rowid, {_FTS_COLS}) "
    f"VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO customers_customer_fts(rowid, {_FTS_COLS}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO customers_customer_fts(customers_customer_fts) VALUES ('rebuild')",
    "CREATE INDEX IF NOT EXISTS kehu_cust_owner_code ON customers_customer (owner_id, code)",
    "CREATE INDEX IF NOT EXISTS kehu_cust_unit_code ON customers_customer (unit_id, code)",
    "CREATE INDEX IF NOT EXISTS kehu_contact_phone ON customers_contact (phone)",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_customer_fts_ai",
    "DROP TRIGGER IF EXISTS customers_customer_fts_ad",
    "DROP TRIGGER IF EXISTS customers_customer_fts_au",
    "DROP TABLE IF EXISTS customers_customer_fts",
    "DROP INDEX IF EXISTS kehu_cust_owner_code",
    "DROP INDEX IF EXISTS kehu_cust_unit_code",
    "DROP INDEX IF EXISTS kehu_contact_phone",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
