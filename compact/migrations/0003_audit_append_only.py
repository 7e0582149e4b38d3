"""Make the database itself refuse UPDATE of audit events (deletes are refused by the model).

DELETE is left to the model layer so that test databases can still be flushed.
"""

from django.db import migrations

SQLITE = """
CREATE TRIGGER compact_auditevent_no_update BEFORE UPDATE ON compact_auditevent
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS compact_auditevent_no_update;"

POSTGRES = """
CREATE OR REPLACE FUNCTION compact_auditevent_refuse_update() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER compact_auditevent_no_update BEFORE UPDATE ON compact_auditevent
FOR EACH ROW EXECUTE FUNCTION compact_auditevent_refuse_update();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS compact_auditevent_no_update ON compact_auditevent;
DROP FUNCTION IF EXISTS compact_auditevent_refuse_update();
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_REVERSE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("compact", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
