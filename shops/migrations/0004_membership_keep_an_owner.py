"""The database refuses to leave a shop that has an owner without one.

PostgreSQL: a deferred constraint trigger on update and delete of memberships, checked at
commit, so a transaction may swap owners in any order and deleting a whole shop (which
deletes its memberships first) still works. It locks the shop row before it counts, so two
transactions that each remove one of two owners cannot both pass. SQLite has no deferred
triggers: it refuses an update that leaves no owner (deletes are left to the services, as
a shop's deletion removes its memberships before the shop itself).
"""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION shops_membership_keep_owner() RETURNS trigger AS $$
BEGIN
    IF OLD.role = 'owner' THEN
        PERFORM 1 FROM shops_shop WHERE id = OLD.shop_id FOR NO KEY UPDATE;
        IF FOUND AND NOT EXISTS (
            SELECT 1 FROM shops_membership WHERE shop_id = OLD.shop_id AND role = 'owner'
        ) THEN
            RAISE EXCEPTION 'shop % would be left without an owner', OLD.shop_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER membership_keep_owner
    AFTER UPDATE OR DELETE ON shops_membership
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION shops_membership_keep_owner();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS membership_keep_owner ON shops_membership;
DROP FUNCTION IF EXISTS shops_membership_keep_owner();
"""

SQLITE_CREATE = """
CREATE TRIGGER membership_keep_owner
BEFORE UPDATE OF role, shop_id ON shops_membership
WHEN OLD.role = 'owner' AND (NEW.role <> 'owner' OR NEW.shop_id <> OLD.shop_id)
    AND NOT EXISTS (SELECT 1 FROM shops_membership
                    WHERE shop_id = OLD.shop_id AND role = 'owner' AND id <> OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'shop would be left without an owner');
END;
"""

SQLITE_DROP = "DROP TRIGGER IF EXISTS membership_keep_owner;"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("shops", "0003_service_area_search")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
