"""The service areas' version, and the triggers that move it on every write to where shops
serve (see ``shops.models.ServiceAreasVersion``)."""

from django.db import migrations, models

VERSION_TABLE = "shops_serviceareasversion"
SHOP_TABLE = "shops_shop"
# Where a shop serves: a change to any of these can change which shops a nearby search finds.
AREA_COLUMNS = ("lat", "lng", "service_radius_m", "service_polygon_hash", "is_active")

# An upsert, so a row a flush or a restore removed comes back; from a random value, so that a
# process's search found before the row went is never taken for one found after.
MOVE = {
    "postgresql": (
        f"INSERT INTO {VERSION_TABLE} (id, value) VALUES (1, floor(random() * 1e15)::bigint) "
        f"ON CONFLICT (id) DO UPDATE SET value = {VERSION_TABLE}.value + 1"
    ),
    "sqlite": (
        f"INSERT INTO {VERSION_TABLE} (id, value) VALUES (1, abs(random() % 1000000000000000)) "
        f"ON CONFLICT (id) DO UPDATE SET value = value + 1"
    ),
}


def _changed(vendor: str) -> str:
    test = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return " OR ".join(f"OLD.{column} {test} NEW.{column}" for column in AREA_COLUMNS)


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in MOVE:
        return
    version = apps.get_model("shops", "ServiceAreasVersion")
    version.objects.using(schema_editor.connection.alias).get_or_create(id=1)
    if vendor == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION shops_move_service_areas_version() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN {MOVE[vendor]}; RETURN NULL; END $$",
            f"CREATE TRIGGER shops_shop_areas_added_or_removed AFTER INSERT OR DELETE OR TRUNCATE "
            f"ON {SHOP_TABLE} FOR EACH STATEMENT "
            "EXECUTE FUNCTION shops_move_service_areas_version()",
            f"CREATE TRIGGER shops_shop_areas_changed AFTER UPDATE ON {SHOP_TABLE} "
            f"FOR EACH ROW WHEN ({_changed(vendor)}) "
            "EXECUTE FUNCTION shops_move_service_areas_version()",
        ]
    else:
        statements = [
            f"CREATE TRIGGER shops_shop_areas_added AFTER INSERT ON {SHOP_TABLE} "
            f"BEGIN {MOVE[vendor]}; END",
            f"CREATE TRIGGER shops_shop_areas_removed AFTER DELETE ON {SHOP_TABLE} "
            f"BEGIN {MOVE[vendor]}; END",
            f"CREATE TRIGGER shops_shop_areas_changed AFTER UPDATE ON {SHOP_TABLE} "
            f"WHEN {_changed(vendor)} BEGIN {MOVE[vendor]}; END",
        ]
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS shops_move_service_areas_version() CASCADE")
    elif vendor == "sqlite":
        for name in ("added", "removed", "changed"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS shops_shop_areas_{name}")


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0010_shop_page_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="ServiceAreasVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "서비스 구역 버전",
                "verbose_name_plural": "서비스 구역 버전",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
