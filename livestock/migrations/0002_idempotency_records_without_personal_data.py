"""Idempotency records of reservations kept the whole answer (secret link, pickup code, name).

Keep only the reservation's id, as new records do; a record whose reservation cannot be found
any more is deleted.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    IdempotencyRecord = apps.get_model("livestock", "IdempotencyRecord")
    Reservation = apps.get_model("pickup", "Reservation")
    for record in IdempotencyRecord.objects.filter(scope="reserve").exclude(response=None):
        stored = record.response if isinstance(record.response, dict) else {}
        if set(stored) == {"reservation_id"}:
            continue
        reservation_id = (Reservation.objects.filter(token=stored.get("token"))
                          .values_list("pk", flat=True).first())
        if reservation_id is None:
            record.delete()
            continue
        record.response = {"reservation_id": reservation_id}
        record.save(update_fields=["response"])


class Migration(migrations.Migration):

    dependencies = [
        ("livestock", "0001_initial"),
        ("pickup", "0002_reservations"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
